// Every sidebar page registers the JS-SDK with the app's identity (getCurExternalContact and
// sendChatMessage require it), signing the page's own URL through /sidebar/jssdk-config.
(function () {
  var body = document.body;
  function signature(kind) {
    return function (url) {
      return fetch(body.dataset.jssdkConfig + "?url=" + encodeURIComponent(url), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error("签名失败 " + r.status); } return r.json(); })
        .then(function (c) {
          return { timestamp: c.timestamp, nonceStr: c.nonceStr, signature: kind === "agent" ? c.agentSignature : c.signature };
        });
    };
  }
  if (!window.ww) { return; }
  ww.register({
    corpId: body.dataset.corp,
    agentId: Number(body.dataset.agent),
    jsApiList: ["getContext", "getCurExternalContact", "getCurExternalChat", "sendChatMessage"],
    getConfigSignature: signature("corp"),
    getAgentConfigSignature: signature("agent")
  });
})();
