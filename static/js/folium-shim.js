/* folium's popups hand their HTML to jQuery's $(...)[0]; this page ships no jQuery, so
   parse the HTML with a <template> element instead. Only that one call shape is supported. */
(function () {
  if (window.$) return;
  window.$ = function (html) {
    var t = document.createElement("template");
    t.innerHTML = String(html).trim();
    return [t.content.firstElementChild];
  };
})();
