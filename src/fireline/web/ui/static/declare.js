// The declare form: "page the on-call" starts as the chosen service's workflow says, until
// the person ticks or unticks it themselves. Without JavaScript it starts as the default.
(function () {
  "use strict";
  var service = document.getElementById("service");
  var page = document.getElementById("page");
  if (!service || !page) return;
  var touched = false;
  page.addEventListener("change", function () { touched = true; });
  service.addEventListener("change", function () {
    if (touched) return;
    var option = service.options[service.selectedIndex];
    page.checked = option.getAttribute("data-pages") === "yes";
  });
})();
