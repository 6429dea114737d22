// 智能雷达 in the sidebar: a tap records the send on the server (every tap counts), which answers with the
// radar's news card and its signed link; the WeCom client then sends the card into the open chat as the
// member (sendChatMessage needs the app identity wecom.js registered).
(function () {
  var box = document.getElementById("radars");
  if (!box) { return; }
  var toast = document.getElementById("radar-toast");
  var tips = document.getElementById("radar-error");
  var busy = false;
  var timer = null;

  function done() {
    toast.hidden = false;
    setTimeout(function () { toast.hidden = true; }, 1500);
  }
  function fail(text) {
    tips.textContent = text;
    tips.style.display = "block";
    clearTimeout(timer);
    timer = setTimeout(function () { tips.style.display = "none"; }, 4000);
  }
  function record(url) {
    var form = new URLSearchParams({ external_userid: box.dataset.externalUserid, chat_id: box.dataset.chatId });
    // redirect: manual, so an expired login shows as such instead of fetching WeCom's login page
    return fetch(url, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRF-Token": box.dataset.csrf }, body: form
    }).then(function (r) {
      if (r.type === "opaqueredirect") { throw new Error("登录已过期，请刷新页面后重试。"); }
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok || !body.news) { throw new Error(body.error || "发送失败（" + r.status + "），请稍后再试。"); }
        return body.news;
      });
    });
  }

  box.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-send]");
    if (!button || busy) { return; }
    if (!window.ww) { fail("请在企业微信的聊天工具栏中打开此页面后发送。"); return; }
    busy = true;
    button.disabled = true;
    record(button.dataset.send)
      .then(function (news) { return ww.sendChatMessage({ msgtype: "news", enterChat: true, news: news }); })
      .then(done)
      .catch(function (err) {
        if (err instanceof Error) { fail(err.message); return; }
        var msg = (err && err.errMsg) || String(err);
        fail(/:cancel/.test(msg) ? "已取消发送。" : "企业微信未能发送：" + msg);
      })
      .then(function () { busy = false; button.disabled = false; });
  });
})();
