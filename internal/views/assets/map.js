// map.js: draws a find_nearby result: the search point and radius, the monitoring stations
// and emitting facilities as markers, on the bundled Natural Earth outline (world.js). No map
// tiles: the view loads nothing. Drag to pan, + and − to zoom; a marker or a row of the list
// shows the place's details.
"use strict";

const NearbyMap = (() => {
  const KM_PER_DEG = 111.32;
  const state = { zoom: 1, panX: 0, panY: 0, selected: -1, show: { station: true, facility: true } };
  let lastKey = "";

  // rings parses world.js's paths (M x y l dx dy … [z], tenths of a degree) once, with each
  // ring's bounding box, so that a paint draws only what it can see.
  const outline = (() => {
    const parse = (d) => {
      const rings = [];
      for (const part of d.split("M").slice(1)) {
        const closed = part.endsWith("z");
        const nums = (closed ? part.slice(0, -1) : part).replace("l", " ").match(/-?\d+/g).map(Number);
        const pts = [nums[0], nums[1]];
        for (let i = 2; i + 1 < nums.length; i += 2) pts.push(pts[pts.length - 2] + nums[i], pts[pts.length - 1] + nums[i + 1]);
        let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
        for (let i = 0; i < pts.length; i += 2) {
          x0 = Math.min(x0, pts[i]); x1 = Math.max(x1, pts[i]);
          y0 = Math.min(y0, pts[i + 1]); y1 = Math.max(y1, pts[i + 1]);
        }
        rings.push({ pts, closed, x0, x1, y0, y1 });
      }
      return rings;
    };
    return { land: parse(WORLD.land), borders: parse(WORLD.borders) };
  })();

  // outlinePaths returns SVG path data, in screen pixels, for the rings that meet the view:
  // land fills whole (filling is cheap), coasts and borders only as the strokes near the view
  // (stroking a continent at city scale is not).
  function outlinePaths(toScreen, view) {
    const m = 40; // pixels of margin
    const inside = (x, y) => x > -m && x < view.w + m && y > -m && y < view.h + m;
    const fill = [], coast = [], borders = [];
    const strokes = (r, shift, out) => {
      let prev = null, open = false;
      for (let i = 0; i < r.pts.length; i += 2) {
        const p = toScreen(r.pts[i] + shift, r.pts[i + 1]);
        if (prev && (inside(prev[0], prev[1]) || inside(p[0], p[1]))) {
          if (!open) out.push("M" + prev[0].toFixed(1) + " " + prev[1].toFixed(1));
          out.push("L" + p[0].toFixed(1) + " " + p[1].toFixed(1));
          open = true;
        } else open = false;
        prev = p;
      }
    };
    for (const shift of [-3600, 0, 3600]) {
      const [vx0, vy0] = view.toOutline(-m, -m), [vx1, vy1] = view.toOutline(view.w + m, view.h + m);
      const meets = (r) => r.x1 + shift >= vx0 && r.x0 + shift <= vx1 && r.y1 >= vy0 && r.y0 <= vy1;
      for (const r of outline.land) {
        if (!meets(r)) continue;
        let d = "";
        for (let i = 0; i < r.pts.length; i += 2) {
          const p = toScreen(r.pts[i] + shift, r.pts[i + 1]);
          d += (i ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(1);
        }
        fill.push(d + "Z");
        strokes(r, shift, coast);
      }
      for (const r of outline.borders) if (meets(r)) strokes(r, shift, borders);
    }
    return { fill: fill.join(""), coast: coast.join(""), borders: borders.join("") };
  }

  function placesOf(sc) {
    const out = [];
    for (const p of Array.isArray(sc.places) ? sc.places : []) {
      if (!p || typeof p !== "object") continue;
      const lon = View.num(p.lon),
        lat = View.num(p.lat);
      if (lon === null || lat === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) continue;
      const kind = p.source === "openaq" || p.kind === "station" ? "station" : "facility";
      out.push({
        lon,
        lat,
        kind,
        name: typeof p.name === "string" && p.name ? p.name : `${p.source || "place"} ${p.id}`,
        id: p.id,
        source: typeof p.source === "string" ? p.source : "",
        sector: typeof p.sector === "string" ? p.sector : "",
        country: typeof p.country === "string" ? p.country : "",
        km: View.num(p.distance_km),
      });
    }
    return out;
  }

  function niceKm(km) {
    const mag = Math.pow(10, Math.floor(Math.log10(km)));
    return [5, 2, 1].map((f) => f * mag).find((v) => v <= km) || mag;
  }

  function describe(p) {
    const what = p.kind === "station" ? "OpenAQ monitoring station" : "Climate TRACE facility" + (p.sector ? " (" + p.sector + ")" : "");
    const bits = [what, p.country, p.km !== null ? View.fmt(p.km) + " km away" : "", `id ${p.id}`, `${p.lat.toFixed(4)}, ${p.lon.toFixed(4)}`];
    return bits.filter(Boolean).join(" · ");
  }

  function draw(main, result, input) {
    const el = View.el;
    if (result.isError) return View.status(main, "The tool answered with an error:", View.text(result));
    const sc = View.structured(result);
    if (!sc || !Array.isArray(sc.places)) return View.status(main, "This result has no places to draw.", View.text(result));
    const places = placesOf(sc);
    const point = Array.isArray(input.location_point) && input.location_point.length === 2 ? input.location_point.map(Number) : null;
    const radiusKm = View.num(Number(input.radius_km));
    let lon0, lat0;
    if (point && point.every(isFinite)) [lon0, lat0] = point;
    else if (places.length) {
      lon0 = places.reduce((a, p) => a + p.lon, 0) / places.length;
      lat0 = places.reduce((a, p) => a + p.lat, 0) / places.length;
    } else return View.status(main, "Nothing was found near this point.", View.text(result));
    const key = JSON.stringify([lon0, lat0, radiusKm, places.length]);
    if (key !== lastKey) {
      Object.assign(state, { zoom: 1, panX: 0, panY: 0, selected: -1 });
      lastKey = key;
    }

    const k = Math.cos((lat0 * Math.PI) / 180);
    const rel = (p) => {
      let dl = p.lon - lon0;
      if (dl > 180) dl -= 360;
      if (dl < -180) dl += 360;
      return [dl * k, -(p.lat - lat0)];
    };
    let extent = radiusKm ? (radiusKm / KM_PER_DEG) * 1.08 : 0.05;
    for (const p of places) {
      const [x, y] = rel(p);
      extent = Math.max(extent, Math.abs(x) * 1.1, Math.abs(y) * 1.1);
    }
    extent = Math.min(extent, 90);

    const counts = { station: 0, facility: 0 };
    places.forEach((p) => counts[p.kind]++);
    const caption = View.text(result).split("\n")[0];
    const head = el("div");
    head.append(el("h1", {}, "Stations and facilities nearby"), el("p", { class: "sub" }, caption));
    const tools = el("div", { class: "tools" });
    const box = el("div", { class: "plot" });
    const info = el("p", { class: "info", "aria-live": "polite" });
    const list = el("ul", { class: "places", "aria-label": "Nearest places" });
    main.replaceChildren(head, tools, box, info, list, View.attribution(sc));

    for (const kind of ["station", "facility"]) {
      const b = el("button", { type: "button", class: "filter", "aria-pressed": String(state.show[kind]) });
      b.append(el("span", { class: "key " + kind }), document.createTextNode(`${kind === "station" ? "Stations" : "Facilities"} ${counts[kind]}`));
      b.addEventListener("click", () => {
        state.show[kind] = !state.show[kind];
        draw(main, result, input);
      });
      tools.appendChild(b);
    }
    tools.appendChild(el("span", { class: "spacer" }));
    const zoomBtn = (text, labelText, fn) => {
      const b = el("button", { type: "button", "aria-label": labelText }, text);
      b.addEventListener("click", () => {
        fn();
        paint();
      });
      tools.appendChild(b);
    };
    zoomBtn("+", "Zoom in", () => (state.zoom = Math.min(64, state.zoom * 2)));
    zoomBtn("−", "Zoom out", () => (state.zoom = Math.max(1 / 64, state.zoom / 2)));
    zoomBtn("Fit", "Fit to the places", () => Object.assign(state, { zoom: 1, panX: 0, panY: 0 }));

    const width = Math.max(240, Math.floor(box.clientWidth || 480));
    const height = View.height(width, 0.62, 220, 420, 200);
    const svg = el("svg:svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", class: "map", "aria-label": `Map of ${places.length} places` });
    box.replaceChildren(svg);

    const visible = places.map((p, i) => ({ p, i })).filter(({ p }) => state.show[p.kind]);
    // Nearest last, so that it is drawn on top.
    visible.sort((a, b) => (b.p.km === null ? 0 : b.p.km) - (a.p.km === null ? 0 : a.p.km));

    function select(i) {
      state.selected = i;
      svg.querySelectorAll(".marker").forEach((m) => m.classList.toggle("on", Number(m.dataset.index) === i));
      list.querySelectorAll(".place").forEach((li) => li.classList.toggle("on", Number(li.dataset.index) === i));
      info.textContent = i >= 0 ? places[i].name + " — " + describe(places[i]) : "Tap a marker or a place for its details.";
    }

    function paint() {
      const s = (Math.min(width, height) / (2 * extent)) * state.zoom;
      const cx = width / 2 + state.panX,
        cy = height / 2 + state.panY;
      const px = (p) => {
        const [x, y] = rel(p);
        return [cx + x * s, cy + y * s];
      };
      svg.replaceChildren(el("svg:rect", { class: "sea", x: 0, y: 0, width, height }));
      // The outline is in tenths of a degree, x = lon, y = -lat.
      const toScreen = (x, y) => [cx + (x / 10 - lon0) * k * s, cy + (y / 10 + lat0) * s];
      const toOutline = (px, py) => [((px - cx) / (k * s) + lon0) * 10, ((py - cy) / s - lat0) * 10];
      const paths = outlinePaths(toScreen, { w: width, h: height, toOutline });
      svg.appendChild(el("svg:path", { class: "land", d: paths.fill }));
      svg.appendChild(el("svg:path", { class: "coast", d: paths.coast }));
      svg.appendChild(el("svg:path", { class: "borders", d: paths.borders }));
      if (radiusKm) svg.appendChild(el("svg:circle", { class: "radius", cx, cy, r: (radiusKm / KM_PER_DEG) * s }));
      svg.appendChild(el("svg:path", { class: "centre", d: `M${cx - 6} ${cy}h12M${cx} ${cy - 6}v12` }));
      for (const { p, i } of visible) {
        const [x, y] = px(p);
        const common = { "data-index": i, "data-id": p.id, "data-kind": p.kind, tabindex: -1 };
        const m =
          p.kind === "station"
            ? el("svg:circle", Object.assign({ class: "marker station", cx: x.toFixed(1), cy: y.toFixed(1), r: 5 }, common))
            : el("svg:path", Object.assign({ class: "marker facility", d: `M${x.toFixed(1)} ${(y - 6).toFixed(1)}l6 6-6 6-6-6z` }, common));
        m.appendChild(el("svg:title", {}, p.name));
        m.addEventListener("click", (e) => {
          e.stopPropagation();
          select(i);
        });
        svg.appendChild(m);
      }
      // Scale bar: a round distance about a quarter of the width.
      const kmPerPx = KM_PER_DEG / s;
      const km = niceKm(kmPerPx * width * 0.25);
      const len = km / kmPerPx;
      const sb = el("svg:g", { class: "scale" });
      sb.append(
        el("svg:line", { x1: 10, x2: 10 + len, y1: height - 12, y2: height - 12 }),
        el("svg:text", { x: 10, y: height - 17 }, `${View.fmt(km)} km`)
      );
      svg.appendChild(sb);
      select(state.selected);
    }

    // Drag to pan.
    let drag = null;
    svg.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, panX: state.panX, panY: state.panY, moved: false };
    });
    svg.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x,
        dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) svg.setPointerCapture(e.pointerId);
      drag.moved = true;
      state.panX = drag.panX + dx;
      state.panY = drag.panY + dy;
      paint();
    });
    const end = () => (drag = null);
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);

    const nearest = places
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => state.show[p.kind])
      .slice(0, 8);
    for (const { p, i } of nearest) {
      const li = el("li", { class: "place", tabindex: 0, "data-index": i });
      li.append(el("span", { class: "key " + p.kind }), el("span", { class: "name" }, p.name), el("span", { class: "d" }, p.km !== null ? View.fmt(p.km) + " km" : ""));
      const pick = () => select(i);
      li.addEventListener("click", pick);
      li.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          pick();
        }
      });
      list.appendChild(li);
    }
    const total = View.num(sc.total_matching);
    if (total !== null && total > places.length) list.appendChild(el("li", { class: "sub" }, `${places.length} of ${total} places shown; ask for a higher limit or a smaller radius.`));
    paint();
  }

  return { draw, placesOf };
})();

View.boot({ name: "jana-mcp map", version: "1" }, NearbyMap.draw);
