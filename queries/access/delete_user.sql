DELETE FROM app_user WHERE name = :name
