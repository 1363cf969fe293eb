// The progress page of a background output: asks its JSON every two seconds and updates the bar and the
// polite live region; once finished, shows the result in place (never reloads the page).
(function () {
  "use strict";
  var box = document.getElementById("output");
  if (!box || box.dataset.finished) return;
  var bar = document.getElementById("output-bar");
  var state = document.getElementById("output-state");
  var result = document.getElementById("output-result");
  var refresh = document.getElementById("output-refresh");

  function paragraph(text, className) {
    var element = document.createElement(className ? "div" : "p");
    if (className) {
      element.className = className;
      element.setAttribute("role", "alert");
    }
    element.textContent = text;
    return element;
  }

  function show(data) {
    if (data.total) {
      bar.max = data.total;
      bar.value = data.done;
    } else if (data.finished) {
      bar.max = 1;
      bar.value = 1;
    }
    var text = data.status_label.charAt(0).toUpperCase() + data.status_label.slice(1);
    if (data.total) text += " — " + data.done + " / " + data.total + " (" + data.percent + " %)";
    if (state.textContent.trim() !== text) state.textContent = text;
    if (!data.finished) return false;
    result.textContent = "";
    if (data.summary) result.appendChild(paragraph(data.summary));
    if (data.error) result.appendChild(paragraph(data.error, "alert alert-danger"));
    if (data.download_url) {
      var link = document.createElement("a");
      link.id = "output-download";
      link.className = "btn btn-primary";
      link.href = data.download_url;
      link.textContent = "Télécharger le fichier";
      var line = document.createElement("p");
      line.appendChild(link);
      result.appendChild(line);
    }
    if (refresh) refresh.remove();
    return true;
  }

  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (!show(data)) window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
