// Demo and tests only (emulator.jssdk_shim): plays the WeCom client's side of the JS-SDK in a normal
// browser. The chat comes from the try page's link (?shim_entry=…) and is kept for the session;
// sendChatMessage is reported to the emulator, which records it as the member's message.
(function () {
  var me = document.currentScript;
  var emulator = me.dataset.emulator.replace(/\/$/, "");
  var params = new URLSearchParams(location.search);
  if (params.get("shim_entry")) {
    sessionStorage.setItem("shim", JSON.stringify({
      entry: params.get("shim_entry"),
      external_userid: params.get("shim_external_userid") || "",
      chat_id: params.get("shim_chat_id") || ""
    }));
  }
  function context() { return JSON.parse(sessionStorage.getItem("shim") || '{"entry": "normal"}'); }
  var registered = null;
  window.ww = {
    register: function (options) {
      // Like the client, check the app signature before any API works.
      registered = options.getAgentConfigSignature(location.href.split("#")[0]).then(function (sig) {
        if (!sig || !sig.signature) { throw { errMsg: "agentConfig:fail invalid signature" }; }
        window.__shimSignature = sig;
      });
    },
    getContext: function () { return registered.then(function () { return { entry: context().entry }; }); },
    getCurExternalContact: function () {
      return registered.then(function () {
        var c = context();
        if (!c.external_userid) { throw { errMsg: "getCurExternalContact:fail without context of external contact" }; }
        return { userId: c.external_userid };
      });
    },
    getCurExternalChat: function () {
      return registered.then(function () {
        var c = context();
        if (!c.chat_id) { throw { errMsg: "getCurExternalChat:fail without context of external chat" }; }
        return { chatId: c.chat_id };
      });
    },
    sendChatMessage: function (message) {
      if (!registered) { return Promise.reject({ errMsg: "sendChatMessage:fail no permission (register first)" }); }
      var c = context();
      var body = Object.assign({}, message, { userid: me.dataset.userid, external_userid: c.external_userid, chat_id: c.chat_id });
      return registered.then(function () { return fetch(emulator + "/_emulator/jssdk/send_chat_message", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      }); }).then(function (r) { return r.json().then(function (j) { if (!r.ok) { throw j; } return j; }); });
    }
  };
})();
