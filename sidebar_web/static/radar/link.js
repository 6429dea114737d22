// A link radar: the visit is recorded, now open the page the radar points to (the meta refresh is the
// fallback without script).
location.replace(document.getElementById("go").href);
