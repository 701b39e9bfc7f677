/*
 * The domain's words as citizens read them (zh-CN), and date formatting in Beijing time.
 * Shared by the mini-program and the H5 board (like api-core.js: ES5, CommonJS, no platform API).
 */
'use strict';

var STATUS = {
  new: '已受理',
  dispatched: '已转交部门',
  accepted: '办理中',
  waiting_citizen: '待您补充',
  replied: '已答复',
  closed: '已办结'
};

/* TDesign tag themes per status: what needs the citizen stands out. */
var STATUS_THEME = {
  new: 'default',
  dispatched: 'primary',
  accepted: 'primary',
  waiting_citizen: 'warning',
  replied: 'success',
  closed: 'default'
};

var TYPES = [
  { value: 'consultation', label: '咨询' },
  { value: 'help', label: '求助' },
  { value: 'complaint', label: '投诉' },
  { value: 'suggestion', label: '建议' },
  { value: 'report', label: '举报' },
  { value: 'praise', label: '表扬' }
];

var SATISFACTION = [
  { value: 'satisfied', label: '满意' },
  { value: 'basically_satisfied', label: '基本满意' },
  { value: 'unsatisfied', label: '不满意' }
];

var EVENTS = {
  receive: '留言已受理',
  dispatch: '已转交承办部门',
  sign: '承办部门已签收',
  reply: '部门已答复',
  review_approve: '答复已审核发布',
  review_send_back: '答复退回修改',
  return: '转回重新分派',
  transfer: '转交其他部门办理',
  extension_request: '部门申请延期',
  extension_decide: '延期申请已处理',
  supervise: '已督办',
  request_info: '部门请您补充信息',
  follow_up: '您补充了留言',
  rate: '您已评价',
  close: '已办结',
  merge: '与相同问题合并办理',
  sla_warning: '临近答复期限',
  sla_breach: '已超过答复期限，已督办'
};

var PUBLICATION = {
  not_consented: '不公开',
  pending: '答复后公开',
  published: '已公开',
  withheld: '未公开'
};

function label(list, value) {
  for (var i = 0; i < list.length; i++) if (list[i].value === value) return list[i].label;
  return value || '';
}

function pad(n) {
  return n < 10 ? '0' + n : String(n);
}

/* Beijing time parts of an RFC 3339 instant (the device may be in any zone). */
function beijing(iso) {
  var t = Date.parse(iso);
  if (isNaN(t)) return null;
  var d = new Date(t + 8 * 3600 * 1000);
  return {
    y: d.getUTCFullYear(),
    m: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    hh: d.getUTCHours(),
    mm: d.getUTCMinutes()
  };
}

/* 2026年11月23日 */
function formatDate(iso) {
  var p = iso && beijing(iso);
  return p ? p.y + '年' + p.m + '月' + p.d + '日' : '';
}

/* 2026-11-23 10:05 */
function formatTime(iso) {
  var p = iso && beijing(iso);
  return p ? p.y + '-' + pad(p.m) + '-' + pad(p.d) + ' ' + pad(p.hh) + ':' + pad(p.mm) : '';
}

/* Whether the citizen may rate the ticket now: replied and no rating for this round. */
function canRate(ticket) {
  return !!ticket && ticket.status === 'replied';
}

/* Whether the citizen may add to the ticket (lifecycle: follow_up). */
function canFollowUp(ticket) {
  return (
    !!ticket &&
    (ticket.status === 'new' ||
      ticket.status === 'dispatched' ||
      ticket.status === 'accepted' ||
      ticket.status === 'waiting_citizen')
  );
}

/* The citizen's view of a ticket for lists and the detail header. */
function ticketView(t) {
  return {
    id: t.id,
    no: t.no,
    title: t.title,
    status: t.status,
    statusLabel: STATUS[t.status] || t.status,
    statusTheme: STATUS_THEME[t.status] || 'default',
    typeLabel: label(TYPES, t.type),
    unitName: t.unit_name || '待分派',
    receivedAt: formatTime(t.received_at),
    promised: formatDate(t.promised_reply_at),
    repliedAt: formatTime(t.replied_at),
    contact: t.contact || '',
    waiting: t.status === 'waiting_citizen',
    toRate: t.status === 'replied'
  };
}

/* The timeline: the events a citizen sees, oldest first, each with a text and a time. */
function timeline(events) {
  var out = [];
  for (var i = 0; i < (events || []).length; i++) {
    var e = events[i];
    if (!EVENTS[e.action]) continue;
    out.push({ id: e.id, text: EVENTS[e.action], time: formatTime(e.created_at) });
  }
  return out;
}

module.exports = {
  STATUS: STATUS,
  STATUS_THEME: STATUS_THEME,
  TYPES: TYPES,
  SATISFACTION: SATISFACTION,
  EVENTS: EVENTS,
  PUBLICATION: PUBLICATION,
  label: label,
  formatDate: formatDate,
  formatTime: formatTime,
  canRate: canRate,
  canFollowUp: canFollowUp,
  ticketView: ticketView,
  timeline: timeline
};
