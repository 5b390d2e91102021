// When the session has ended (signed out elsewhere, expired, or the user's roles changed), the
// server answers the page's callbacks with 401: go to the sign-in page, which brings the person
// back here afterwards, instead of leaving a page that silently stopped updating.
(function () {
    const fetchFirst = window.fetch.bind(window);
    window.fetch = async function (...args) {
        const response = await fetchFirst(...args);
        if (response.status === 401) {
            const here = window.location.pathname + window.location.search;
            window.location.assign("/login?next=" + encodeURIComponent(here));
        }
        return response;
    };
})();
