INSERT INTO app_user (name, roles, password_hash, created_at, changed_at, epoch)
VALUES (:name, :roles, :password_hash, :now, :now, 0)
