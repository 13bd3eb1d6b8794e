/* Enhances the resident report page (cases/public/report.html); the page works without it.
   Cascading place selects from public:places, "use my location" via public:nearest, the chosen category's
   extra questions only, and a photo count check. Plain ES5 for WeChat's built-in browser. */
(function () {
  "use strict";
  function one(sel, root) { return (root || document).querySelector(sel); }
  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function attr(el, name) { return el.getAttribute("data-" + name) || ""; }
  function get(url, done) {
    var x = new XMLHttpRequest();
    x.open("GET", url);
    x.setRequestHeader("Accept", "application/json");
    x.onload = function () {
      var data = null;
      if (x.status === 200) { try { data = JSON.parse(x.responseText); } catch (e) { data = null; } }
      done(data);
    };
    x.onerror = function () { done(null); };
    x.send();
  }
  function query(host, params) {
    var parts = ["s=" + encodeURIComponent(attr(host, "street"))];
    for (var key in params) {
      if (Object.prototype.hasOwnProperty.call(params, key)) { parts.push(key + "=" + encodeURIComponent(params[key])); }
    }
    return parts.join("&");
  }
  function fill(select, items, emptyLabel, value) {
    select.options.length = 0;
    select.add(new Option(emptyLabel, ""));
    (items || []).forEach(function (item) { select.add(new Option(item.name, String(item.id))); });
    select.value = value || "";
  }

  all("[data-js]").forEach(function (el) { el.hidden = false; });
  all("[data-nojs]").forEach(function (el) { el.hidden = true; });

  var form = one("#report");
  var host = form || one("#step1");
  var community, compound, building, loadCompounds, loadBuildings;

  if (form) {
    var placesUrl = attr(form, "places-url");
    community = form.elements.community;
    compound = form.elements.compound;
    building = form.elements.building;
    loadBuildings = function (value) {
      if (!compound.value) { fill(building, [], attr(form, "none-building")); return; }
      get(placesUrl + "?" + query(form, { parent: compound.value }), function (items) {
        fill(building, items, attr(form, "none-building"), value);
      });
    };
    loadCompounds = function (value, then) {
      fill(building, [], attr(form, "none-building"));
      if (!community.value) { fill(compound, [], attr(form, "none-compound")); return; }
      get(placesUrl + "?" + query(form, { parent: community.value }), function (items) {
        var only = attr(form, "compounds");
        if (only && items) { items = items.filter(function (i) { return String(i.id) === only; }); }
        fill(compound, items, attr(form, "none-compound"), value);
        if (then) { then(); }
      });
    };
    community.addEventListener("change", function () { loadCompounds(""); });
    compound.addEventListener("change", function () { loadBuildings(""); });

    var category = form.elements.category;
    var showQuestions = function () {
      all("[data-questions-for]", form).forEach(function (el) {
        el.hidden = attr(el, "questions-for") !== category.value;
      });
    };
    category.addEventListener("change", showQuestions);
    showQuestions();

    var photos = form.elements.photos;
    photos.addEventListener("change", function () {
      if (photos.files && photos.files.length > 6) {
        window.alert(attr(form, "too-many"));
        photos.value = "";
      }
    });
  }

  if (host) {
    var button = one("[data-locate]", host);
    var status = one("[data-locate-status]", host);
    if (button && !navigator.geolocation) { button.parentNode.hidden = true; }
    if (button && navigator.geolocation) {
      button.addEventListener("click", function () {
        status.textContent = attr(host, "locating");
        navigator.geolocation.getCurrentPosition(function (pos) {
          var lat = pos.coords.latitude.toFixed(6);
          var lng = pos.coords.longitude.toFixed(6);
          host.elements.lat.value = lat;
          host.elements.lng.value = lng;
          get(attr(host, "nearest-url") + "?" + query(host, { lat: lat, lng: lng }), function (data) {
            var found = data && data.compound;
            if (!found) { status.textContent = attr(host, "locate-failed"); return; }
            status.textContent = attr(host, "located") + found.community_name + " " + found.name;
            if (form) {
              community.value = String(found.community);
              loadCompounds(String(found.id), function () { loadBuildings(""); });
            } else {
              host.elements.compound.value = String(found.id);
            }
          });
        }, function () {
          status.textContent = attr(host, "locate-failed");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }
})();
