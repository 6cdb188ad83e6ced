/*
 * Editor helpers shared by the Sante PACS nodes: the `hl7` TypedInput type and
 * the field validators. Node-RED serves this file at
 * resources/node-red-contrib-sante-pacs/sante-pacs-editor.js; each node's .html
 * loads it, so it must be harmless to load more than once.
 */
(function () {
  "use strict";
  if (window.SantePacsEditor) return;

  // One HL7 field path, SEG[sel]-F[rep].C.S (the full grammar is in lib/hl7/path.ts, whose checks
  // these mirror; a test compares the two): a segment with an optional occurrence [n] or condition
  // [F.C=value], a field with an optional repetition [r] or identifier filter ([MR], [type=MR],
  // [auth=HOSP]), then an optional component and subcomponent. All numbers start at 1.
  var PATH =
    /^[A-Za-z][A-Za-z0-9]{2}(?:\[([^[\],]*)\])?-([0-9]{1,6})(?:\[([^[\],]*)\])?(?:\.([0-9]{1,6}))?(?:\.([0-9]{1,6}))?$/;
  var WHERE = /^([0-9]{1,6})(?:\.([0-9]{1,6}))?(?:\.([0-9]{1,6}))?=.+$/;
  var KEYED = /^(type|auth)=(.*)$/i;

  function positive(digits) {
    return digits === undefined || Number(digits) >= 1;
  }

  function isSegmentSelector(inside) {
    if (inside === undefined) return true;
    if (/^[0-9]{1,6}$/.test(inside)) return positive(inside);
    var m = WHERE.exec(inside);
    return !!m && positive(m[1]) && positive(m[2]) && positive(m[3]);
  }

  function isRepetitionSelector(inside) {
    if (inside === undefined) return true;
    if (/^[0-9]+$/.test(inside)) return inside.length <= 6 && positive(inside);
    var keyed = KEYED.exec(inside);
    var value = keyed ? keyed[2] : inside;
    return value !== "" && value.trim() === value && (!!keyed || value.indexOf("=") === -1);
  }

  function isHl7Path(text) {
    var m = PATH.exec(text);
    return (
      !!m && isSegmentSelector(m[1]) && positive(m[2]) && isRepetitionSelector(m[3]) && positive(m[4]) && positive(m[5])
    );
  }

  /** Comma-separated field paths, tried in order at runtime: "IPC-3.1,ZDS-1.1". */
  function isHl7PathList(value) {
    if (typeof value !== "string" || value.trim() === "") return false;
    return value.split(",").every(function (path) {
      return isHl7Path(path.trim());
    });
  }

  function hl7Type() {
    return { value: "hl7", label: "HL7", icon: "fa fa-hospital-o", hasValue: true, validate: isHl7PathList };
  }

  /**
   * The lookup property's TypedInput. Picking `hl7` puts in the node's default
   * field path (a msg property like "payload" is no HL7 path); going back to
   * `msg` from a field path puts back "payload".
   */
  function propertyInput(input, typeField, hl7Default) {
    var types = ["msg", "flow", "global", "str", "env", "jsonata"];
    if (hl7Default) types.push(hl7Type());
    var $input = $(input).typedInput({ default: "msg", typeField: $(typeField), types: types });
    var lastType = $input.typedInput("type");
    $input.on("change", function () {
      var type = $input.typedInput("type");
      var value = $input.typedInput("value");
      if (type === lastType) return;
      lastType = type;
      if (type === "hl7" && !isHl7PathList(value)) $input.typedInput("value", hl7Default);
      else if (type === "msg" && isHl7PathList(value)) $input.typedInput("value", "payload");
    });
    return $input;
  }

  /**
   * For `defaults.property.validate`: HL7 field paths for the hl7 type (`key`
   * names the reason in the node's catalog), Node-RED's own check for the others.
   */
  function propertyValidator(key) {
    return function (value, opt) {
      var field = $("#node-input-propertyType");
      var type = field.length ? field.val() : this.propertyType;
      if (type === "hl7") {
        if (isHl7PathList(value)) return true;
        return opt && typeof this._ === "function" ? this._(key) : false;
      }
      return RED.validators.typedInput("propertyType").call(this, value, opt);
    };
  }

  /**
   * A validator for a whole number in [min, max]. Node-RED itself lets
   * $(ENV_VAR) and ${ENV_VAR} through before calling it. `key` names the
   * reason in the node's own catalog (`this` is the node, `this._` its translator).
   */
  function integerIn(min, max, key) {
    return function (value, opt) {
      var text = String(value === undefined || value === null ? "" : value).trim();
      var n = Number(text);
      if (/^[0-9]+$/.test(text) && n >= min && n <= max) return true;
      return opt && typeof this._ === "function" ? this._(key, { min: min, max: max }) : false;
    };
  }

  /**
   * The runtime's defaults and limits, from resources/sante-pacs-defaults.js (written by the build from lib/).
   * Read when needed, not at load: Node-RED loads a node's script files in no set order.
   */
  function defaults() {
    return window.SantePacsDefaults;
  }

  /**
   * A validator for one of the client's whole-number options, in the range the runtime accepts. `group` names
   * another set of options in the defaults (`sender`: the HL7 sender's), whose ranges are in its `limits`.
   */
  function limitOf(option, key, group) {
    return function (value, opt) {
      var range = (group ? defaults()[group] : defaults()).limits[option];
      return integerIn(range[0], range[1], key).call(this, value, opt);
    };
  }

  /** A blank field means the default, at runtime too (flows saved before a field existed have none). */
  function blankOr(validate) {
    return function (v, opt) {
      return v === undefined || v === null || String(v).trim() === "" || validate.call(this, v, opt);
    };
  }

  /** The label of a lookup node: its name, else what it reads (`study token (HL7 IPC-3.1,ZDS-1.1)`). */
  function lookupLabel(type) {
    return function () {
      if (this.name) return this.name;
      var input = defaults().input;
      if (this.propertyType === input.propertyType && this.property === input.property) {
        return this._(type + ".label.node");
      }
      var from = this.propertyType === "hl7" ? "HL7 " + this.property : this.propertyType + "." + this.property;
      if (this.propertyType === "str" || this.propertyType === "jsonata") from = this.propertyType;
      return this._(type + ".label.node-from", { from: from });
    };
  }

  /** The edit dialog of a lookup node: its input (HL7 paths offered with `hl7Default`) and its output property. */
  function prepareLookupDialog(hl7Default) {
    propertyInput("#node-input-property", "#node-input-propertyType", hl7Default);
    $("#node-input-output").typedInput({ types: ["msg"] });
  }

  /*
   * The config dialogs (sante-pacs-server, sante-hl7-endpoint) share their frame: tabs, a "Use TLS" checkbox in front
   * of a tls-config field, defaults shown in fields a flow saved before they existed, and a "Test connection" button.
   */

  /** A host name or IP address as the runtime takes it: no blanks, no URL parts. */
  function isHost(v) {
    return typeof v === "string" && v.trim() !== "" && !/[\s/?#&@\\]/.test(v.trim());
  }

  /** Tabs over the children of #node-config-sante-tabs-content, one per [id, label]. */
  function configTabs(tabs) {
    var created = RED.tabs.create({
      id: "node-config-sante-tabs",
      onchange: function (tab) {
        $("#node-config-sante-tabs-content").children().hide();
        $("#" + tab.id).show();
      },
    });
    tabs.forEach(function (tab) {
      created.addTab({ id: tab[0], label: tab[1] });
    });
  }

  /**
   * The TLS row shows only while "Use TLS" is checked, checked when the node has a tls-config. `prefix` is the
   * dialog's id prefix: "node-config" (the default) in a config node's, "node-input" in a flow node's (hl7 in).
   */
  function prepareTls(node, prefix) {
    var p = prefix || "node-config";
    $("#" + p + "-sante-usetls")
      .on("change", function () {
        $("#" + p + "-sante-tls-row").toggle($(this).is(":checked"));
      })
      .prop("checked", !!node.tls)
      .trigger("change");
  }

  /** For oneditsave: unchecked means no tls-config ("_ADD_" is how the editor spells "none chosen"). */
  function saveTls(prefix) {
    var p = prefix || "node-config";
    // A config dialog's fields are node-config-input-*, a flow node's node-input-*.
    var field = p === "node-input" ? "#node-input-tls" : "#node-config-input-tls";
    if (!$("#" + p + "-sante-usetls").is(":checked")) $(field).val("_ADD_");
  }

  /** The tls-config the dialog names now, for a Test connection; "" for none. */
  function chosenTls() {
    var tls = $("#node-config-input-tls").val();
    return $("#node-config-sante-usetls").is(":checked") && tls && tls !== "_ADD_" ? tls : "";
  }

  /** Flows saved before these fields existed lack them: show the runtime's defaults, also as placeholders. */
  function showDefaults(node, fields, defaults) {
    fields.forEach(function (field) {
      var value = String(defaults[field]);
      var input = $("#node-config-input-" + field).attr("placeholder", value);
      if (node[field] === undefined || node[field] === "") input.val(value);
    });
  }

  /**
   * The "Test connection" button: POSTs `body` to the admin endpoint `path` (relative, so that a custom
   * httpAdminRoot keeps working) and shows the reply. `summarize(reply)` gives { text, type } for a reply
   * { ok, code, message }; an HTTP failure comes to it as { ok: false, code: its code or the HTTP status }.
   */
  function postTest(path, body, summarize) {
    var button = $("#node-config-sante-test").prop("disabled", true);
    var show = function (reply) {
      var shown = summarize(reply);
      var content = $("<div>").append($("<p>").text(shown.text));
      if (reply.message) content.append($("<p>").text(reply.message));
      RED.notify(content, { type: shown.type, timeout: shown.type === "success" ? 4000 : 8000 });
    };
    $.ajax({ url: path, type: "POST", contentType: "application/json", data: JSON.stringify(body), dataType: "json" })
      .done(show)
      .fail(function (xhr) {
        var reply = xhr.responseJSON || {};
        show({ ok: false, code: reply.code || xhr.status, message: reply.message || xhr.statusText });
      })
      .always(function () {
        button.prop("disabled", false);
      });
  }

  /**
   * The wait plan and deadline, checked as lib/wait/plan.ts parses them (parsePlan, parseDeadline), with its
   * patterns and limits from the generated defaults; a test holds the two to the same verdicts on any text.
   */
  function durationMs(text) {
    var syntax = defaults().wait.syntax;
    var trimmed = String(text).trim();
    var m = new RegExp(syntax.duration, syntax.durationFlags).exec(trimmed);
    if (trimmed === "" || !m) return undefined;
    var units = [86400000, 3600000, 60000, 1000];
    var ms = 0;
    for (var i = 0; i < units.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * units[i];
    return Number.isSafeInteger(ms) ? ms : undefined;
  }

  function isWaitPlan(text) {
    if (typeof text !== "string") return false;
    var wait = defaults().wait;
    var limits = wait.limits;
    var parts = text.split(",").map(function (p) {
      return p.trim();
    });
    if (parts.length > limits.maxSteps || (parts.length === 1 && parts[0] === "")) return false;
    return parts.every(function (part) {
      var m = new RegExp(wait.syntax.step).exec(part);
      if (!m) return false;
      var count = Number(m[1]);
      var ms = durationMs(m[2]);
      return (
        Number.isSafeInteger(count) &&
        count >= 1 &&
        count <= limits.maxCount &&
        ms !== undefined &&
        ms >= limits.minIntervalMs &&
        ms <= limits.maxIntervalMs
      );
    });
  }

  function isWaitDeadline(text) {
    if (typeof text !== "string") return false;
    var limits = defaults().wait.limits;
    var ms = durationMs(text);
    return ms !== undefined && ms >= limits.minDeadlineMs && ms <= limits.maxDeadlineMs;
  }

  /** A validator for the wait fields, checked only while the wait mode is on (the dialog's checkbox, else the node's). */
  function waitValidator(check, key) {
    return function (value, opt) {
      var box = $("#node-input-wait");
      var on = box.length ? box.prop("checked") : this.wait;
      if (!on || check(value)) return true;
      return opt && typeof this._ === "function" ? this._(key, { steps: defaults().wait.limits.maxSteps }) : false;
    };
  }

  /** Named nodes show their name in italics, as Node-RED's core nodes do. */
  function nameStyle() {
    return this.name ? "node_label_italic" : "";
  }

  window.SantePacsEditor = {
    defaults: defaults,
    limitOf: limitOf,
    blankOr: blankOr,
    isHost: isHost,
    configTabs: configTabs,
    prepareTls: prepareTls,
    saveTls: saveTls,
    chosenTls: chosenTls,
    showDefaults: showDefaults,
    postTest: postTest,
    lookupLabel: lookupLabel,
    prepareLookupDialog: prepareLookupDialog,
    nameStyle: nameStyle,
    isHl7PathList: isHl7PathList,
    hl7Type: hl7Type,
    propertyInput: propertyInput,
    propertyValidator: propertyValidator,
    integerIn: integerIn,
    isWaitPlan: isWaitPlan,
    isWaitDeadline: isWaitDeadline,
    waitValidator: waitValidator,
  };
})();
