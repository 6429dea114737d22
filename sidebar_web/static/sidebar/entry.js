// The chat toolbar's entry page: ask the WeCom client which chat is open, then open the customer's or
// the group's page (wecom.js has registered the JS-SDK already).
(function () {
  var box = document.getElementById("entry");
  var status = document.getElementById("entry-status");
  function say(text) { status.textContent = text; box.querySelector(".weui-msg__icon-area").replaceChildren(); }
  if (!window.ww) { say("请在企业微信中打开此页面。"); return; }
  var base = box.dataset.base;
  ww.getContext().then(function (ctx) {
    if (ctx.entry === "group_chat_tools") {
      return ww.getCurExternalChat().then(function (r) { location.replace(base + "groups/" + encodeURIComponent(r.chatId)); });
    }
    if (["single_chat_tools", "contact_profile", "single_kf_tools"].indexOf(ctx.entry) >= 0) {
      return ww.getCurExternalContact().then(function (r) { location.replace(base + "customers/" + encodeURIComponent(r.userId)); });
    }
    say("请在与客户的单聊或客户群的聊天工具栏中打开。");
  }).catch(function (err) { say("无法获取当前会话：" + (err && (err.errMsg || err.message) || err)); });
})();
