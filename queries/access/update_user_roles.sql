UPDATE app_user
SET roles = :roles, changed_at = :now, epoch = epoch + 1
WHERE name = :name
