/* Deposit page: upload files with InvenioRDM's three API steps (init, content, commit), with a
   progress bar per file; delete files; publish. No build step, no dependencies. */
(function () {
  "use strict";
  var section = document.getElementById("deposit-files");
  if (!section) return;
  var filesUrl = section.dataset.filesUrl;
  var form = document.getElementById("file-upload-form");
  var input = document.getElementById("file-input");
  var table = document.getElementById("draft-files");
  var empty = document.getElementById("no-draft-files");
  var progressList = document.getElementById("upload-progress");
  var statusLine = document.getElementById("deposit-status");
  var publishButton = document.getElementById("publish-draft");
  var tokenField = section.querySelector("input[name=csrfmiddlewaretoken]");
  var csrfToken = tokenField ? tokenField.value : "";

  function say(message) {
    statusLine.textContent = message;
  }

  function errorMessage(body, fallback) {
    if (!body) return fallback;
    var text = body.message || fallback;
    if (Array.isArray(body.errors) && body.errors.length) {
      text += " " + body.errors.map(function (e) {
        return (e.field ? e.field + ": " : "") + [].concat(e.messages || []).join(" ");
      }).join(" ");
    }
    return text;
  }

  function api(method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!response.ok) throw new Error(errorMessage(data, "The server answered " + response.status + "."));
        return data;
      });
    });
  }

  function fileUrl(key) {
    return filesUrl + "/" + encodeURIComponent(key);
  }

  function humanSize(bytes) {
    var units = ["bytes", "KB", "MB", "GB", "TB"];
    var value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (unit ? value.toFixed(1) : String(value)) + " " + units[unit];
  }

  function cell(row, className, text, asCode) {
    var td = document.createElement("td");
    td.className = className;
    if (asCode && text) {
      var code = document.createElement("code");
      code.textContent = text;
      td.appendChild(code);
    } else {
      td.textContent = text || "";
    }
    row.appendChild(td);
  }

  function render(list) {
    var body = table.querySelector("tbody");
    body.textContent = "";
    list.entries.forEach(function (entry) {
      var row = document.createElement("tr");
      row.dataset.key = entry.key;
      cell(row, "file-key", entry.key);
      cell(row, "file-size", entry.size === undefined ? "" : humanSize(entry.size));
      cell(row, "file-checksum", entry.checksum, true);
      cell(row, "file-status", entry.integrity === "failed" ? "integrity check failed" : entry.status);
      var actions = document.createElement("td");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary file-delete";
      button.dataset.key = entry.key;
      button.textContent = "Delete";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " " + entry.key;
      button.appendChild(hidden);
      actions.appendChild(button);
      row.appendChild(actions);
      body.appendChild(row);
    });
    table.hidden = list.entries.length === 0;
    empty.hidden = list.entries.length !== 0;
  }

  function refresh() {
    return api("GET", filesUrl).then(render);
  }

  function sendContent(file, bar) {
    // XMLHttpRequest, not fetch: only it reports upload progress.
    return new Promise(function (resolve, reject) {
      var request = new XMLHttpRequest();
      request.open("PUT", fileUrl(file.name) + "/content");
      request.setRequestHeader("Content-Type", "application/octet-stream");
      request.setRequestHeader("X-CSRFToken", csrfToken);
      request.upload.onprogress = function (event) {
        if (event.lengthComputable) bar.value = event.total ? event.loaded / event.total : 1;
      };
      request.onload = function () {
        var data = null;
        try { data = JSON.parse(request.responseText); } catch (e) { data = null; }
        if (request.status >= 200 && request.status < 300) {
          bar.value = 1;
          resolve(data);
        } else {
          reject(new Error(errorMessage(data, "The server answered " + request.status + ".")));
        }
      };
      request.onerror = function () { reject(new Error("The connection was lost; upload the file again.")); };
      request.send(file);
    });
  }

  function uploadOne(file) {
    var item = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = file.name + " ";
    var bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    var state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = " waiting";
    item.appendChild(label);
    item.appendChild(bar);
    item.appendChild(state);
    progressList.appendChild(item);
    state.textContent = " starting";
    return api("POST", filesUrl, [{ key: file.name, size: file.size }])
      .then(function () {
        state.textContent = " uploading";
        return sendContent(file, bar);
      })
      .then(function () {
        state.textContent = " verifying";
        return api("POST", fileUrl(file.name) + "/commit");
      })
      .then(function (entry) {
        state.textContent = " done (" + entry.checksum + ")";
        item.className = "upload-done";
      })
      .catch(function (error) {
        state.textContent = " failed: " + error.message;
        item.className = "upload-failed";
      });
  }

  if (form) form.hidden = false;
  if (publishButton) publishButton.hidden = false;
  section.querySelectorAll(".file-delete").forEach(function (button) { button.hidden = false; });

  if (form) form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files);
    if (!files.length) {
      say("Choose one or more files first.");
      return;
    }
    say("Uploading " + files.length + " file" + (files.length > 1 ? "s" : "") + "…");
    // one after the other: parallel uploads would only compete for the same connection
    files.reduce(function (previous, file) {
      return previous.then(function () { return uploadOne(file); });
    }, Promise.resolve())
      .then(refresh)
      .then(function () {
        var failed = progressList.querySelectorAll(".upload-failed").length;
        say(failed ? failed + " upload(s) failed; see above." : "Upload finished.");
        input.value = "";
      })
      .catch(function (error) { say(error.message); });
  });

  section.addEventListener("click", function (event) {
    var button = event.target.closest(".file-delete");
    if (!button) return;
    var key = button.dataset.key;
    button.disabled = true;
    api("DELETE", fileUrl(key))
      .then(refresh)
      .then(function () { say("Deleted " + key + "."); })
      .catch(function (error) {
        button.disabled = false;
        say("Could not delete " + key + ": " + error.message);
      });
  });

  if (publishButton) publishButton.addEventListener("click", function () {
    publishButton.disabled = true;
    say("Publishing…");
    api("POST", section.dataset.publishUrl)
      .then(function () { window.location.assign(section.dataset.recordUrl); })
      .catch(function (error) {
        publishButton.disabled = false;
        say("Not published: " + error.message);
      });
  });
})();
