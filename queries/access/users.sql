-- Every user with their last sign-in (from the access log).
SELECT u.name, u.roles,
       CASE WHEN u.password_hash IS NULL THEN 'organisation (OIDC)' ELSE 'password' END AS sign_in,
       u.created_at, u.changed_at,
       (SELECT max(l.at) FROM access_log l
        WHERE l.user_name = u.name AND l.event = 'sign-in') AS last_sign_in
FROM app_user u
ORDER BY u.name
