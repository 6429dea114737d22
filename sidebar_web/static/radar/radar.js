// Radar page tracking: viewing time while visible, furthest progress, shares. The server clamps all of it.
(function () {
  "use strict";
  var d = document.body.dataset;
  if (!d.key) return;
  var entered = location.href;  // before the address is rewritten below

  function send(event, value) {
    var data = new URLSearchParams({ k: d.key, e: event, v: String(value || 0) });
    if (navigator.sendBeacon && navigator.sendBeacon(d.beacon, data)) return;
    fetch(d.beacon, { method: "POST", body: data, keepalive: true }).catch(function () {});
  }

  // Viewing time: a heartbeat every few seconds while the page is visible; hidden and close end a stretch.
  var timer = null;
  function shown() {
    if (timer) return;
    send("open");
    timer = setInterval(function () { send("heartbeat"); }, Number(d.heartbeat || 5) * 1000);
  }
  function gone(event) {
    flush();
    if (!timer) return;
    clearInterval(timer);
    timer = null;
    send(event);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") shown(); else gone("hidden");
  });
  window.addEventListener("pagehide", function () { gone("close"); });
  window.addEventListener("pageshow", function (e) { if (e.persisted) shown(); });
  if (document.visibilityState === "visible") shown();

  // Progress: the furthest point reached (0-100), sent at most once a second and when the page goes.
  var best = 0, sent = 0, lastSent = 0, pending = null;
  function flush() {
    if (pending) { clearTimeout(pending); pending = null; }
    if (best > sent) { sent = best; lastSent = Date.now(); send("progress", best); }
  }
  window.radarProgress = function (percent) {
    percent = Math.max(0, Math.min(100, Math.round(percent)));
    if (percent <= best) return;
    best = percent;
    var wait = 1000 - (Date.now() - lastSent);
    if (wait <= 0 || best === 100) flush();
    else if (!pending) pending = setTimeout(flush, wait);
  };

  // Image: how far down the page the visitor scrolled.
  var image = document.getElementById("image");
  if (image) {
    var scrolled = function () {
      var doc = document.documentElement;
      window.radarProgress((window.scrollY + window.innerHeight) / doc.scrollHeight * 100);
    };
    window.addEventListener("scroll", scrolled, { passive: true });
    image.addEventListener("load", scrolled);
  }

  // Video: the furthest point played (jumping ahead and stopping does not count as watching).
  var video = document.getElementById("video");
  if (video) {
    var furthest = 0, last = 0;
    video.addEventListener("timeupdate", function () {
      var t = video.currentTime;
      if (!video.seeking && t - last < 2) furthest = Math.max(furthest, t);
      last = t;
      if (video.duration) window.radarProgress(furthest / video.duration * 100);
    });
    video.addEventListener("seeked", function () { last = video.currentTime; });
    video.addEventListener("ended", function () { window.radarProgress(100); });
  }

  // Sharing passes on the visitor's own link, so the next visitor is one level further down.
  var button = document.getElementById("share");
  if ("wechat" in d) {
    // WeChat forwards the address in the address bar; make it this visitor's link.
    try { history.replaceState(null, "", d.share); } catch (e) { /* another origin: keep the address */ }
    button.addEventListener("click", function () { send("share"); });
    if (d.wx && window.wx) shareCard();
  } else {
    history.replaceState(null, "", location.pathname);  // drop OAuth's code from the address
    button.addEventListener("click", function () {
      var box = document.getElementById("shared"), input = document.getElementById("shared-link");
      var done = function () { box.hidden = false; setTimeout(function () { box.hidden = true; }, 8000); };
      send("share");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(d.share).then(done, function () { input.select(); document.execCommand("copy"); done(); });
      } else {
        input.select();
        document.execCommand("copy");
        done();
      }
    });
  }

  // WeChat's share card (official-account JS-SDK): title, description and cover, with this visitor's link.
  function shareCard() {
    // iOS WeChat checks the signature against the address the page was entered with; Android against
    // the current one, which replaceState has made the visitor's own link.
    var page = /iPhone|iPad|iPod/.test(navigator.userAgent) ? entered : location.href;
    fetch(d.wx + "?url=" + encodeURIComponent(page.split("#")[0]), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) {
        if (!c) return;
        wx.config({
          debug: false, appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr,
          signature: c.signature, jsApiList: c.jsApiList
        });
        wx.ready(function () {
          var card = { title: c.share.title, desc: c.share.desc, link: d.share, imgUrl: c.share.imgUrl };
          // No share beacon here: these calls' success means the card is set, not that anyone shared it,
          // and WeChat no longer tells a page when it is shared.
          wx.updateAppMessageShareData(card);
          wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
        });
      })
      .catch(function () { /* the rewritten address still forwards the visitor's own link */ });
  }
})();
