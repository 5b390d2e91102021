INSERT INTO access_log (at, event, user_name, roles, address, detail, row_count, previous_hash,
                        hash)
VALUES (:at, :event, :user_name, :roles, :address, :detail, :row_count, :previous_hash, :hash)
