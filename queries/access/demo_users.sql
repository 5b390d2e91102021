-- The users that `unlisted demo` made and that are still there, with their roles.
SELECT u.name, u.roles
FROM app_user u JOIN demo_user d ON d.name = u.name
ORDER BY u.name
