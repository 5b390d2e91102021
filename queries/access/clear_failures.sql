DELETE FROM failed_sign_in WHERE user_key = :user_key OR at < :before
