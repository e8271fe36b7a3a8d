// chart.js: draws a get_trends series, or station_means means per pollutant, as an SVG line
// chart with a point per period; hover, tap or the arrow keys show a period's figures.
"use strict";

const Chart = (() => {
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const LABELS = { pm25: "PM2.5", pm10: "PM10", o3: "O₃", no2: "NO₂", so2: "SO₂", co: "CO", co2: "CO₂", ch4: "CH₄", n2o: "N₂O", co2e: "CO₂e" };
  const label = (p) => LABELS[String(p).toLowerCase()] || String(p);

  // time parses "2025-01-02T00:00:00Z", "2025-01-02" or "2025-01" as UTC milliseconds.
  function time(s) {
    if (typeof s !== "string") return null;
    const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(s);
    if (!m) return null;
    const t = s.length > 10 ? Date.parse(s) : Date.UTC(+m[1], +m[2] - 1, m[3] ? +m[3] : 1);
    return isFinite(t) ? t : null;
  }

  function day(t, resolution) {
    const d = new Date(t);
    if (resolution === "monthly") return MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  // seriesOf reads the structured content defensively: it keeps the points it understands and
  // ignores fields it does not know (tools may add some).
  function seriesOf(sc) {
    if (Array.isArray(sc.series)) {
      const points = [];
      for (const p of sc.series) {
        const t = p && time(p.period_start),
          v = p && View.num(p.value);
        if (t !== null && v !== null) points.push({ t, v, n: View.num(p.count) });
      }
      points.sort((a, b) => a.t - b.t);
      const unit = typeof sc.unit === "string" ? sc.unit : "";
      return { kind: "trend", list: [{ key: String(sc.parameter || "value"), name: label(sc.parameter || "value"), unit, points }] };
    }
    if (Array.isArray(sc.means)) {
      const byKey = new Map();
      for (const m of sc.means) {
        const t = m && time(m.period),
          v = m && View.num(m.mean);
        if (t === null || v === null || typeof m.pollutant !== "string") continue;
        const unit = typeof m.unit === "string" ? m.unit : "";
        const key = m.pollutant + " " + unit;
        if (!byKey.has(key)) byKey.set(key, { key, name: label(m.pollutant), unit, points: [] });
        byKey.get(key).points.push({ t, v, lo: View.num(m.min), hi: View.num(m.max), n: View.num(m.readings), cov: View.num(m.coverage_percent) });
      }
      const list = [...byKey.values()];
      list.forEach((s) => s.points.sort((a, b) => a.t - b.t));
      return { kind: "means", list };
    }
    return null;
  }

  // niceTicks returns about n round values covering [lo, hi].
  function niceTicks(lo, hi, n) {
    if (hi === lo) {
      hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
    }
    const raw = (hi - lo) / Math.max(1, n);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) || 10 * mag;
    const start = Math.floor(lo / step) * step,
      end = Math.ceil(hi / step) * step;
    const out = [];
    for (let v = start; v <= end + step / 2; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  // timeTicks returns month or day starts between t0 and t1, spaced to fit about n labels.
  function timeTicks(t0, t1, n) {
    const DAY = 86400000;
    const spanDays = (t1 - t0) / DAY;
    const out = [];
    if (spanDays > 75) {
      const months = spanDays / 30.4;
      const step = [1, 2, 3, 6, 12, 24, 60].find((s) => months / s <= n) || 120;
      const d = new Date(t0);
      let y = d.getUTCFullYear(),
        m = d.getUTCMonth();
      if (Date.UTC(y, m, 1) < t0) m++;
      while (m % step !== 0 && step <= 12) m++;
      for (let t = Date.UTC(y, m, 1); t <= t1; m += step, t = Date.UTC(y, m, 1)) {
        const dt = new Date(t);
        out.push({ t, text: step >= 12 || dt.getUTCMonth() === 0 ? String(dt.getUTCFullYear()) : MONTHS[dt.getUTCMonth()] + (step >= 3 ? " " + String(dt.getUTCFullYear()).slice(2) : "") });
      }
    } else {
      const step = [1, 2, 7, 14, 28].find((s) => spanDays / s <= n) || 28;
      for (let t = Math.ceil(t0 / DAY) * DAY; t <= t1; t += step * DAY) {
        const dt = new Date(t);
        out.push({ t, text: dt.getUTCDate() + " " + MONTHS[dt.getUTCMonth()] });
      }
    }
    return out;
  }

  function plot(box, s, resolution) {
    const el = View.el;
    const width = Math.max(240, Math.floor(box.clientWidth || 480));
    const height = View.height(width, 0.5, 180, 320, 140);
    const m = { top: 10, right: 12, bottom: 26, left: 48 };
    const w = width - m.left - m.right,
      h = height - m.top - m.bottom;
    const pts = s.points;
    const svg = el("svg:svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", tabindex: 0, class: "chart", "aria-label": `${s.name} over time, ${pts.length} points` });
    box.replaceChildren(svg);
    const tip = el("div", { class: "tip", hidden: "" });
    box.appendChild(tip);
    if (!pts.length) return;

    const t0 = pts[0].t,
      t1 = pts[pts.length - 1].t;
    let lo = Math.min(...pts.map((p) => (p.lo !== null && p.lo !== undefined ? Math.min(p.lo, p.v) : p.v)));
    let hi = Math.max(...pts.map((p) => (p.hi !== null && p.hi !== undefined ? Math.max(p.hi, p.v) : p.v)));
    if (lo >= 0) lo = 0; // concentrations and emissions read best from zero
    const yt = niceTicks(lo, hi, Math.max(2, Math.floor(h / 40)));
    lo = yt[0];
    hi = yt[yt.length - 1];
    const x = (t) => m.left + (t1 === t0 ? w / 2 : ((t - t0) / (t1 - t0)) * w);
    const y = (v) => m.top + h - ((v - lo) / (hi - lo || 1)) * h;

    for (const v of yt) {
      svg.appendChild(el("svg:line", { class: "gridline", x1: m.left, x2: m.left + w, y1: y(v), y2: y(v) }));
      svg.appendChild(el("svg:text", { x: m.left - 6, y: y(v) + 4, "text-anchor": "end" }, View.fmt(v)));
    }
    svg.appendChild(el("svg:line", { class: "axis", x1: m.left, x2: m.left + w, y1: m.top + h, y2: m.top + h }));
    for (const tk of timeTicks(t0, t1, Math.max(2, Math.floor(w / 70)))) {
      svg.appendChild(el("svg:line", { class: "axis", x1: x(tk.t), x2: x(tk.t), y1: m.top + h, y2: m.top + h + 4 }));
      svg.appendChild(el("svg:text", { x: x(tk.t), y: m.top + h + 16, "text-anchor": "middle" }, tk.text));
    }
    if (s.unit) svg.appendChild(el("svg:text", { x: m.left + 4, y: m.top + 10 }, s.unit));

    const band = pts.filter((p) => p.lo !== null && p.lo !== undefined && p.hi !== null && p.hi !== undefined);
    if (band.length > 1) {
      const d = band.map((p, i) => (i ? "L" : "M") + x(p.t).toFixed(1) + " " + y(p.hi).toFixed(1)).join("") + band.slice().reverse().map((p) => "L" + x(p.t).toFixed(1) + " " + y(p.lo).toFixed(1)).join("") + "Z";
      svg.appendChild(el("svg:path", { class: "band", d }));
    }
    svg.appendChild(el("svg:path", { class: "line", d: pts.map((p, i) => (i ? "L" : "M") + x(p.t).toFixed(1) + " " + y(p.v).toFixed(1)).join("") }));
    const r = pts.length > 200 ? 1.6 : pts.length > 60 ? 2.4 : 3.4;
    const dots = pts.map((p, i) => {
      const c = el("svg:circle", { class: "point", cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r, "data-index": i, "data-value": p.v, "data-period": new Date(p.t).toISOString() });
      svg.appendChild(c);
      return c;
    });
    const cursor = el("svg:line", { class: "cursor", y1: m.top, y2: m.top + h, visibility: "hidden" });
    svg.appendChild(cursor);

    let current = -1;
    function show(i) {
      if (current >= 0) dots[current].classList.remove("on");
      current = i;
      if (i < 0) {
        tip.hidden = true;
        cursor.setAttribute("visibility", "hidden");
        return;
      }
      const p = pts[i];
      dots[i].classList.add("on");
      cursor.setAttribute("x1", x(p.t));
      cursor.setAttribute("x2", x(p.t));
      cursor.setAttribute("visibility", "visible");
      let text = `${day(p.t, resolution)}: ${View.fmt(p.v)} ${s.unit}`;
      if (p.lo !== null && p.lo !== undefined && p.hi !== null && p.hi !== undefined) text += ` (min ${View.fmt(p.lo)}, max ${View.fmt(p.hi)})`;
      if (p.n !== null && p.n !== undefined) text += ` · ${p.n} readings`;
      tip.textContent = text;
      tip.hidden = false;
      const tx = Math.min(Math.max(0, x(p.t) - tip.offsetWidth / 2), width - tip.offsetWidth);
      tip.style.left = tx + "px";
      tip.style.top = Math.max(0, y(p.v) - 34) + "px";
    }
    function nearest(clientX) {
      const px = clientX - svg.getBoundingClientRect().left;
      let best = 0;
      for (let i = 1; i < pts.length; i++) if (Math.abs(x(pts[i].t) - px) < Math.abs(x(pts[best].t) - px)) best = i;
      return best;
    }
    svg.addEventListener("pointermove", (e) => show(nearest(e.clientX)));
    svg.addEventListener("pointerdown", (e) => show(nearest(e.clientX)));
    svg.addEventListener("pointerleave", () => show(-1));
    svg.addEventListener("blur", () => show(-1));
    svg.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) show(Math.min(pts.length - 1, Math.max(0, (current < 0 ? (step > 0 ? -1 : pts.length) : current) + step)));
      else if (e.key === "Home") show(0);
      else if (e.key === "End") show(pts.length - 1);
      else if (e.key === "Escape") show(-1);
      else return;
      e.preventDefault();
    });
  }

  function badge(text, cls) {
    return View.el("span", { class: "badge" + (cls ? " " + cls : "") }, text);
  }

  function draw(main, result, input) {
    const el = View.el;
    if (result.isError) return View.status(main, "The tool answered with an error:", View.text(result));
    const sc = View.structured(result);
    const data = sc && seriesOf(sc);
    if (!data || !data.list.some((s) => s.points.length)) {
      return View.status(main, "This result has no series to draw.", View.text(result));
    }
    const caption = View.text(result).split("\n")[0];
    const resolution = typeof sc.resolution === "string" ? sc.resolution : input.resolution || "";
    let chosen = Math.max(0, data.list.findIndex((s) => s.points.length));
    const head = el("div");
    const tabs = el("div", { class: "tabs", role: "group", "aria-label": "Pollutant" });
    const badges = el("div", { class: "badges" });
    const box = el("div", { class: "plot" });
    main.replaceChildren(head, tabs, badges, box, View.attribution(sc));
    main.dataset.kind = data.kind;

    if (data.kind === "trend") {
      const s = data.list[0];
      head.append(el("h1", {}, `${s.name} trend${resolution ? ", " + resolution : ""}`), el("p", { class: "sub" }, caption));
      const st = sc.statistics && typeof sc.statistics === "object" ? sc.statistics : {};
      if (typeof st.direction === "string") {
        const dir = st.direction.replace(/_/g, " ");
        badges.appendChild(badge(dir, st.direction === "increasing" ? "up" : st.direction === "decreasing" ? "down" : ""));
      }
      const pct = View.num(st.percent_change),
        slope = View.num(st.slope_per_year),
        r2 = View.num(st.r_squared);
      if (pct !== null) badges.appendChild(badge(`${pct > 0 ? "+" : ""}${View.fmt(pct)}% over the period`));
      if (slope !== null) badges.appendChild(badge(`${slope > 0 ? "+" : ""}${View.fmt(slope)} ${s.unit}/year`));
      if (r2 !== null) badges.appendChild(badge(`R² ${View.fmt(r2)}`));
      badges.appendChild(badge(`${s.points.length} points`));
      tabs.remove();
      plot(box, s, resolution);
      return;
    }

    const station = sc.station && typeof sc.station === "object" ? sc.station : {};
    const where = [station.name, station.country].filter((v) => typeof v === "string" && v).join(", ");
    const only = data.list.length === 1 ? " of " + data.list[0].name : "";
    head.append(el("h1", {}, `${resolution === "monthly" ? "Monthly" : "Daily"} means${only}${where ? " at " + where : ""}`), el("p", { class: "sub" }, caption));
    const show = (i) => {
      chosen = i;
      const s = data.list[i];
      tabs.querySelectorAll("button").forEach((b, j) => b.setAttribute("aria-pressed", String(j === i)));
      badges.replaceChildren();
      const vals = s.points.map((p) => p.v);
      if (vals.length) {
        const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
        badges.append(badge(`mean of ${resolution || "period"} means ${View.fmt(mean)} ${s.unit}`), badge(`${s.points.length} ${resolution === "monthly" ? "months" : "days"}`));
      }
      plot(box, s, resolution);
      Bridge.reportSize();
    };
    data.list.forEach((s, i) => {
      const b = el("button", { type: "button", "aria-pressed": "false" }, `${s.name} (${s.unit})`);
      b.addEventListener("click", () => show(i));
      tabs.appendChild(b);
    });
    if (data.list.length < 2) tabs.hidden = true;
    show(chosen);
  }

  return { draw, seriesOf, niceTicks };
})();

View.boot({ name: "jana-mcp chart", version: "1" }, Chart.draw);
