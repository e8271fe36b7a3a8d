// bridge.js: the view's side of MCP Apps (io.modelcontextprotocol/ui, 2026-01-26). The view is
// a JSON-RPC peer of its host over postMessage: it asks ui/initialize, says
// ui/notifications/initialized, then receives the tool's input and result and changes of the
// host's context (theme, size), and reports its own size. No library: the protocol is small.
"use strict";

const Bridge = (() => {
  const PROTOCOL = "2026-01-26";
  const handlers = {};
  const pending = new Map();
  let nextId = 1;
  let context = {};
  let capabilities = {};
  // The host is the parent window. (VS Code swaps window.parent for a wrapper after the view
  // loads, so it is read at each use, never kept.)
  const embedded = () => window.parent && window.parent !== window;

  function post(message) {
    window.parent.postMessage(Object.assign({ jsonrpc: "2.0" }, message), "*");
  }

  function request(method, params) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      post({ id, method, params });
    });
  }

  function notify(method, params) {
    post({ method, params: params || {} });
  }

  // Requests the host may send; anything else is answered "method not found".
  const answers = {
    ping: () => ({}),
    "ui/resource-teardown": (params) => {
      emit("teardown", params);
      return {};
    },
  };

  function emit(name, params) {
    for (const fn of handlers[name] || []) {
      try {
        fn(params);
      } catch (err) {
        console.error("jana view:", name, err);
      }
    }
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const m = event.data;
    if (!m || typeof m !== "object" || m.jsonrpc !== "2.0") return;
    if (m.method === undefined && m.id !== undefined) {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(String(m.error.message || "host error")));
      else p.resolve(m.result || {});
      return;
    }
    if (typeof m.method !== "string") return;
    const params = m.params && typeof m.params === "object" ? m.params : {};
    if (m.id !== undefined) {
      const answer = answers[m.method];
      if (answer) post({ id: m.id, result: answer(params) });
      else post({ id: m.id, error: { code: -32601, message: "Method not found: " + m.method } });
      return;
    }
    switch (m.method) {
      case "ui/notifications/tool-input":
        emit("input", params.arguments && typeof params.arguments === "object" ? params.arguments : {});
        break;
      case "ui/notifications/tool-result":
        emit("result", params);
        break;
      case "ui/notifications/tool-cancelled":
        emit("cancelled", params);
        break;
      case "ui/notifications/host-context-changed":
        applyContext(params);
        break;
    }
  });

  // Until a host names a theme, the system's preference decides.
  let hostTheme = false;
  const dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  const systemTheme = () => {
    if (!hostTheme) document.documentElement.dataset.theme = dark && dark.matches ? "dark" : "light";
  };
  systemTheme();
  if (dark && dark.addEventListener) dark.addEventListener("change", () => (systemTheme(), emit("context", context)));

  // applyContext merges a (partial) host context and follows it: the theme as data-theme (and
  // the color scheme the host uses), the host's CSS variables and fonts, its safe-area insets.
  function applyContext(ctx) {
    context = Object.assign({}, context, ctx);
    const root = document.documentElement;
    if (ctx.theme === "light" || ctx.theme === "dark") {
      hostTheme = true;
      root.dataset.theme = ctx.theme;
      root.style.colorScheme = ctx.theme;
    }
    const styles = ctx.styles && typeof ctx.styles === "object" ? ctx.styles : {};
    if (styles.variables && typeof styles.variables === "object") {
      for (const [name, value] of Object.entries(styles.variables)) {
        if (name.startsWith("--") && typeof value === "string") root.style.setProperty(name, value);
      }
    }
    if (styles.css && typeof styles.css.fonts === "string") {
      let el = document.getElementById("host-fonts");
      if (!el) {
        el = document.createElement("style");
        el.id = "host-fonts";
        document.head.appendChild(el);
      }
      el.textContent = styles.css.fonts;
    }
    const inset = ctx.safeAreaInsets;
    if (inset && typeof inset === "object") {
      for (const side of ["top", "right", "bottom", "left"]) {
        if (typeof inset[side] === "number") document.body.style["padding" + side[0].toUpperCase() + side.slice(1)] = inset[side] + "px";
      }
    }
    emit("context", context);
  }

  // Size: the host sizes the iframe to the document, so the document never asks for 100vh.
  // Measured on the next frame, or after 100 ms where the browser runs no frames (an iframe
  // still of zero size is not rendered).
  let lastW = 0,
    lastH = 0,
    queued = false;
  function measure() {
    if (!queued) return;
    queued = false;
    const r = document.documentElement.getBoundingClientRect();
    const w = Math.ceil(r.width),
      h = Math.ceil(r.height);
    if (w === lastW && h === lastH) return;
    lastW = w;
    lastH = h;
    notify("ui/notifications/size-changed", { width: w, height: h });
  }
  function reportSize() {
    if (queued || !embedded()) return;
    queued = true;
    requestAnimationFrame(measure);
    setTimeout(measure, 100);
  }

  return {
    on(name, fn) {
      (handlers[name] = handlers[name] || []).push(fn);
    },
    context: () => context,
    embedded,
    // start performs the handshake. Handlers must be registered first: a host may send the
    // tool's input and result as soon as it has answered ui/initialize.
    start(appInfo) {
      if (!embedded()) return Promise.reject(new Error("not inside an MCP Apps host"));
      if (typeof ResizeObserver === "function") new ResizeObserver(reportSize).observe(document.documentElement);
      return request("ui/initialize", {
        protocolVersion: PROTOCOL,
        appInfo,
        appCapabilities: { availableDisplayModes: ["inline"] },
      }).then((res) => {
        capabilities = res.hostCapabilities || {};
        applyContext(res.hostContext && typeof res.hostContext === "object" ? res.hostContext : {});
        notify("ui/notifications/initialized");
        reportSize();
        return res;
      });
    },
    reportSize,
    // openLink asks the host to open a URL (a sandboxed view cannot navigate by itself).
    openLink(url) {
      if (capabilities.openLinks) return request("ui/open-link", { url }).catch(() => {});
      window.open(url, "_blank", "noopener");
      return Promise.resolve();
    },
  };
})();

// Shared helpers of the views.
const View = {
  svgNS: "http://www.w3.org/2000/svg",

  el(tag, attrs, text) {
    const e = tag.startsWith("svg:") ? document.createElementNS(View.svgNS, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) e.setAttribute(k, String(v));
    }
    if (text !== undefined) e.textContent = text;
    return e;
  },

  // text returns the text content of a tool result (what a host without Apps shows).
  text(result) {
    const parts = Array.isArray(result && result.content) ? result.content : [];
    return parts
      .filter((c) => c && c.type === "text" && typeof c.text === "string")
      .map((c) => c.text)
      .join("\n");
  },

  // structured returns the result's structured content as an object, or null.
  structured(result) {
    const s = result && result.structuredContent;
    return s && typeof s === "object" && !Array.isArray(s) ? s : null;
  },

  num(v) {
    return typeof v === "number" && isFinite(v) ? v : null;
  },

  // fmt formats a number compactly: whole numbers from 1000 up, 3 significant digits below.
  fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    const a = Math.abs(v);
    if (a >= 1000) return Math.round(v).toLocaleString("en");
    if (a === 0) return "0";
    return Number(v.toPrecision(3)).toString();
  },

  // height is a drawing's height for a width: ratio × width within [lo, hi], and within the
  // host's container less reserved pixels (header, controls) when the host gives a height.
  height(width, ratio, lo, hi, reserved) {
    let h = Math.round(Math.min(hi, Math.max(lo, width * ratio)));
    const ctx = Bridge.context();
    const dims = (ctx && ctx.containerDimensions) || {};
    const max = View.num(dims.height) || View.num(dims.maxHeight);
    if (max) h = Math.max(Math.round(lo * 0.8), Math.min(h, max - reserved));
    return h;
  },

  // status shows a line of state in place of the view's content (waiting, errors, no data).
  status(main, text, detail) {
    main.replaceChildren(View.el("p", { class: "status" }, text));
    if (detail) main.appendChild(View.el("pre", { class: "fallback" }, detail));
    document.body.dataset.state = "status";
    Bridge.reportSize();
  },

  // attribution lists the result's sources, as links the host opens.
  attribution(sc) {
    const list = Array.isArray(sc && sc.attribution) ? sc.attribution : [];
    const p = View.el("p", { class: "attribution" });
    list.forEach((s, i) => {
      if (!s || typeof s.name !== "string") return;
      if (i > 0) p.appendChild(document.createTextNode("; "));
      if (typeof s.url === "string" && /^https?:\/\//.test(s.url)) {
        const a = View.el("a", { href: s.url }, s.name);
        a.addEventListener("click", (e) => {
          e.preventDefault();
          Bridge.openLink(s.url);
        });
        p.appendChild(a);
      } else p.appendChild(document.createTextNode(s.name));
      if (typeof s.license === "string") p.appendChild(document.createTextNode(" (" + s.license + ")"));
    });
    if (p.childNodes.length) p.insertBefore(document.createTextNode("Sources: "), p.firstChild);
    p.appendChild(document.createTextNode(p.childNodes.length ? ", via Jana." : "Data via Jana."));
    return p;
  },

  // boot wires a view: wait for the result, draw it, redraw on theme or width changes.
  boot(appInfo, draw) {
    const main = document.getElementById("main");
    let input = {},
      result = null,
      width = 0;
    const render = () => {
      if (!result) return;
      try {
        draw(main, result, input, Bridge.context());
        document.body.dataset.state = document.body.dataset.state === "status" ? "status" : "rendered";
      } catch (err) {
        console.error("jana view:", err);
        View.status(main, "This result could not be drawn; the text answer has it all.", View.text(result));
      }
      Bridge.reportSize();
    };
    Bridge.on("input", (args) => (input = args));
    Bridge.on("result", (r) => {
      result = r;
      document.body.dataset.state = "";
      render();
    });
    Bridge.on("cancelled", () => {
      if (!result) View.status(main, "The tool call was cancelled.");
    });
    Bridge.on("context", render);
    window.addEventListener("resize", () => {
      const w = document.documentElement.clientWidth;
      if (w !== width) {
        width = w;
        requestAnimationFrame(render);
      }
    });
    if (!Bridge.embedded()) {
      View.status(main, "This view draws a Jana tool result inside an MCP client that supports MCP Apps.");
      return;
    }
    Bridge.start(appInfo).catch((err) => View.status(main, "Could not connect to the host: " + err.message));
  },
};
