SELECT name, roles, password_hash, created_at, changed_at, epoch
FROM app_user
WHERE name = :name
