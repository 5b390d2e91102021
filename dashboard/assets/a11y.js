// Accessibility of the shell and the grids, where the components' own markup falls short
// (tests/test_accessibility.py runs axe-core over every page and drives the keyboard):
//
// - Dash's dropdowns name their button by its value only ("all") and put a focusable input
//   under aria-hidden: the button is named by its label and value, the input by the same.
// - Dash's date range picker puts aria-expanded on an element without a role, leaves its clear
//   button out of the keyboard's reach, does not say whether the calendar is open and leaves
//   the calendar's year box unnamed: the wrapper becomes a named group, the clear button a
//   button, a status line tells, and the year box is named.
// - Options lists (an open dropdown's) nest their checkboxes in options: plain labels instead.
// - Enter on a row of a clickable grid does what a click does (opens the rows or the claim).
// - The skip link moves the focus to the page's content.
// - An upload's file input is hidden inside its drop zone with no name: it is named by the
//   data-upload-label of the zone's wrapper.
(function () {
    "use strict";

    function labelFor(id) {
        const label = document.querySelector(`label[for="${CSS.escape(id)}"]`);
        if (label && !label.id) {
            label.id = `${id}-label`;
        }
        return label;
    }

    function set(element, name, value) {
        if (element.getAttribute(name) !== value) {
            element.setAttribute(name, value);
        }
    }

    function unset(element, name) {
        if (element.hasAttribute(name)) {
            element.removeAttribute(name);
        }
    }

    function dropdown(button) {
        const label = button.id && labelFor(button.id);
        // Without a label of its own, the dropdown keeps the name it has (its value).
        const names = label ? `${label.id} ${button.id}-value-count ${button.id}-value` :
            button.getAttribute("aria-labelledby");
        if (!names) {
            return;
        }
        set(button, "aria-labelledby", names);
        // Safari skips buttons when tabbing: Dash's input takes the Tab and hands the focus on.
        const relay = button.previousElementSibling;
        if (relay && relay.classList.contains("dash-dropdown-focus-target")) {
            unset(relay, "aria-hidden");
            set(relay, "aria-labelledby", names);
        }
        // The clear cross sits inside the button (Delete or Backspace clears from the keyboard).
        button.querySelectorAll(".dash-dropdown-clear").forEach((cross) => {
            unset(cross, "aria-label");
            set(cross, "aria-hidden", "true");
        });
    }

    function optionsList(list) {
        if (list.getAttribute("role") === "listbox") {
            list.setAttribute("role", "group");
        }
        const button = list.closest(".dash-dropdown-content") &&
            document.querySelector(".dash-dropdown[aria-expanded='true']");
        const label = button && button.id && labelFor(button.id);
        if (label) {
            set(list, "aria-labelledby", label.id);
        }
        list.querySelectorAll("label[role='option']").forEach((option) => {
            unset(option, "role");
            unset(option, "aria-selected");
        });
        list.querySelectorAll("label[aria-selected]").forEach((option) => {
            unset(option, "aria-selected");
        });
    }

    let status = null;

    function say(text) {
        if (!status) {
            status = document.createElement("div");
            status.className = "visually-hidden";
            status.id = "a11y-status";
            status.setAttribute("role", "status");
            status.setAttribute("aria-live", "polite");
            document.body.appendChild(status);
        }
        status.textContent = text;
    }

    function datePicker(wrapper) {
        const id = wrapper.id.replace(/-wrapper$/, "");
        const label = labelFor(id);
        const name = label ? label.textContent.trim() : "Dates";
        set(wrapper, "role", "group");
        if (label) {
            set(wrapper, "aria-labelledby", label.id);
        }
        unset(wrapper, "type");
        const start = wrapper.querySelector(".dash-datepicker-start-date");
        const end = wrapper.querySelector(".dash-datepicker-end-date");
        if (start) {
            set(start, "aria-label", `${name} from (year-month-day)`);
        }
        if (end) {
            set(end, "aria-label", `${name} to (year-month-day)`);
        }
        wrapper.querySelectorAll(".dash-datepicker-clear").forEach((clear) => {
            set(clear, "role", "button");
            set(clear, "tabindex", "0");
            set(clear, "aria-label", `Clear the ${name.toLowerCase()}`);
        });
        const open = wrapper.getAttribute("aria-expanded") === "true";
        if (wrapper.dataset.a11yOpen !== String(open)) {
            if (wrapper.dataset.a11yOpen !== undefined) {
                say(open ? "Calendar open: arrow keys move between days, Enter picks one, " +
                           "Escape closes it." :
                    `Calendar closed. ${name}: ${start ? start.value || "none" : ""} to ` +
                    `${end ? end.value || "none" : ""}.`);
            }
            wrapper.dataset.a11yOpen = String(open);
        }
    }

    function calendar(controls) {
        // The open calendar's year box has no name of its own.
        controls.querySelectorAll("input[type='number']").forEach((year) => {
            if (!year.labels || !year.labels.length) {
                set(year, "aria-label", "Year");
            }
        });
    }

    function upload(input) {
        const wrapper = input.closest("[data-upload-label]");
        if (wrapper) {
            set(input, "aria-label", wrapper.getAttribute("data-upload-label"));
        }
    }

    function repair(root) {
        const scope = root.querySelectorAll ? root : document;
        scope.querySelectorAll("[data-upload-label] input[type='file']").forEach(upload);
        if (scope.matches && scope.matches("button.dash-dropdown")) {
            dropdown(scope);
        }
        scope.querySelectorAll("button.dash-dropdown").forEach(dropdown);
        scope.querySelectorAll(".dash-options-list").forEach(optionsList);
        if (scope.matches && scope.matches(".dash-options-list")) {
            optionsList(scope);
        }
        scope.querySelectorAll(".dash-datepicker-controls").forEach(calendar);
        const pickers = scope.querySelectorAll(".dash-datepicker-input-wrapper[id]");
        pickers.forEach(datePicker);
        if (scope.matches && scope.matches(".dash-datepicker-input-wrapper[id]")) {
            datePicker(scope);
        }
    }

    let queued = false;

    function later() {
        if (!queued) {
            queued = true;
            // Before the next paint, once React has finished this round of changes.
            Promise.resolve().then(() => {
                queued = false;
                repair(document);
            });
        }
    }

    function start() {
        repair(document);
        new MutationObserver(later).observe(document.body, {
            childList: true, subtree: true, attributes: true,
            attributeFilter: ["aria-expanded", "aria-selected", "aria-hidden", "role",
                              "aria-labelledby", "aria-label"],
        });
    }

    document.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" && event.key !== " ") {
            return;
        }
        const target = event.target;
        if (!(target instanceof Element)) {
            return;
        }
        // The date picker's clear button, made a button above.
        if (target.classList.contains("dash-datepicker-clear")) {
            event.preventDefault();
            event.stopPropagation();
            target.click();
            return;
        }
        // A row of a grid whose rows open what is behind them: Enter clicks the focused cell.
        if (event.key === "Enter" && target.classList.contains("ag-cell") &&
                target.closest(".clickable")) {
            event.preventDefault();
            target.click();
        }
    }, true);

    document.addEventListener("click", (event) => {
        const link = event.target instanceof Element && event.target.closest("a.skip-link");
        if (!link) {
            return;
        }
        const main = document.getElementById(link.getAttribute("href").slice(1));
        if (main) {
            event.preventDefault();
            main.focus();
            main.scrollIntoView({block: "start"});
        }
    });

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
