-- Failed sign-ins in the window for this user name and for this address, and the latest of each.
SELECT count(*) FILTER (WHERE user_key = :user_key) AS by_user,
       max(at) FILTER (WHERE user_key = :user_key) AS last_by_user,
       count(*) FILTER (WHERE address = :address) AS by_address,
       max(at) FILTER (WHERE address = :address) AS last_by_address
FROM failed_sign_in
WHERE at >= :since
