INSERT INTO failed_sign_in (user_key, address, at) VALUES (:user_key, :address, :now)
