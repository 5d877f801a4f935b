// The cross-domain frame (XFrame.html, docs/protocol.md §10.6): browser apps load it in a hidden
// iframe and postMessage it requests ({type, url, headers, data, accepts, contentType, messageId});
// it performs them against its own origin and posts back {status, statusText, responseText,
// headers, messageId}. It relays only to its own origin, and stamps X-Ms-Origin with the caller.
export const XFRAME_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>XFrame</title></head><body><script>
(function () {
  'use strict';
  function reply(target, origin, body) { target.postMessage(JSON.stringify(body), origin); }
  window.addEventListener('message', function (event) {
    var request;
    try { request = typeof event.data === 'string' ? JSON.parse(event.data) : event.data; } catch (e) { return; }
    if (request && request.request) request = request.request;
    if (!request || typeof request.url !== 'string') return;
    var url;
    try { url = new URL(request.url, location.href); } catch (e) { return; }
    var messageId = request.messageId;
    if (url.origin !== location.origin) {
      reply(event.source, event.origin, { status: 403, statusText: 'Forbidden', responseText: '', headers: '', messageId: messageId });
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open(String(request.type || 'GET').toUpperCase(), url.href, true);
    var headers = request.headers || {};
    for (var name in headers) if (Object.prototype.hasOwnProperty.call(headers, name)) xhr.setRequestHeader(name, headers[name]);
    if (request.accepts && !headers.Accept) xhr.setRequestHeader('Accept', request.accepts);
    if (request.contentType && !headers['Content-Type']) xhr.setRequestHeader('Content-Type', request.contentType);
    xhr.setRequestHeader('X-Ms-Origin', event.origin);
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) return;
      reply(event.source, event.origin, {
        status: xhr.status, statusText: xhr.statusText, responseText: xhr.responseText,
        headers: xhr.getAllResponseHeaders(), messageId: messageId
      });
    };
    xhr.send(request.data === undefined || request.data === null ? null : typeof request.data === 'string' ? request.data : JSON.stringify(request.data));
  }, false);
})();
</script></body></html>
`
