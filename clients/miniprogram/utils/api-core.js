/*
 * The citizens' client of the Wenzheng API, shared by the mini-program and the H5 message board.
 *
 * Platform-agnostic: no wx.*, no fetch, no DOM. The platform injects
 *   transport.request({method, url, headers, body, timeout}) -> Promise<{status, headers, data}>
 *       body is a JSON string or undefined; headers of the answer with lower-case names; data is
 *       the parsed JSON (or a string the core parses); a network failure rejects.
 *   transport.upload({url, headers, file}) -> Promise<{status, headers, data}>   (optional)
 *       sends one image (wx.uploadFile's filePath, or a Blob/File in a browser)
 *   transport.download({url, headers}) -> Promise<{status, headers, data}>       (optional)
 *       fetches bytes; data is what the platform shows (a temp file path, an object URL)
 *   storage: {get(key), set(key, value), remove(key)}, synchronous (wx storage, localStorage)
 *
 * It keeps the session (access + refresh token) in storage, sends the bearer token, refreshes
 * once on a 401 (one refresh at a time), sends submissions with an Idempotency-Key and retries
 * them with the same key after a network failure or a 5xx, and turns the API's error shape
 * {"error": {"code", "message", "field"}} into an ApiError with a friendly Chinese text.
 *
 * Plain ES5 + Promise and CommonJS, so the mini-program runtime loads it as it is; the H5 app
 * imports this very file (Vite handles the CommonJS).
 */
'use strict';

var SESSION_KEY = 'wz.session';

/* What a citizen reads for each error code (zh-CN). Both clients show these. */
var MESSAGES = {
  network: '网络连接失败，请检查网络后重试',
  timeout: '请求超时，请稍后重试',
  unauthenticated: '登录已过期，请重新登录',
  forbidden: '您没有权限进行此操作',
  not_found: '没有找到相关内容，可能已被删除',
  validation_failed: '填写的内容有误，请检查后再提交',
  personal_data: '内容中含有身份证号或手机号，请删除后再提交',
  invalid_json: '提交的数据格式有误，请重试',
  bad_request: '请求有误，请重试',
  invalid_transition: '该留言当前状态不能进行此操作，请刷新后查看',
  conflict: '操作冲突，请刷新后重试',
  rate_limited: '操作过于频繁，请稍后再试',
  body_too_large: '文件太大，请选择 5MB 以内的图片',
  unsupported_media_type: '只能上传 JPG、PNG 或 WebP 格式的图片',
  upstream_failed: '微信服务暂时不可用，请稍后重试',
  not_configured: '服务暂未开通，请使用其他方式留言',
  unavailable: '系统繁忙，请稍后重试',
  internal: '系统出错了，请稍后重试',
  unknown: '出错了，请稍后重试'
};

/* Names of the fields the API may name in `field`, for "请检查：…". */
var FIELD_NAMES = {
  type: '留言类型',
  content: '留言内容',
  title: '标题',
  unit_id: '受理部门',
  category_id: '问题分类',
  account_id: '留言渠道',
  contact_name: '联系人',
  contact_phone: '联系电话',
  location: '位置',
  region: '地址',
  attachments: '图片',
  publish: '公开选项',
  phone: '手机号',
  code: '验证码',
  satisfaction: '满意度',
  resolved: '是否解决',
  comment: '评价内容',
  file: '图片'
};

function ApiError(status, code, message, field, retryAfter) {
  this.name = 'ApiError';
  this.status = status;
  this.code = code;
  this.field = field || null;
  this.serverMessage = message || '';
  this.retryAfter = retryAfter || 0;
  this.message = friendlyMessage(code, this.field, this.retryAfter);
}
ApiError.prototype = Object.create(Error.prototype);
ApiError.prototype.constructor = ApiError;

function friendlyMessage(code, field, retryAfter) {
  var text = MESSAGES[code] || MESSAGES.unknown;
  if (code === 'validation_failed' && field && FIELD_NAMES[field]) {
    text = '请检查“' + FIELD_NAMES[field] + '”：填写的内容不符合要求';
  }
  if (code === 'unauthenticated' && field === 'code') text = '验证码不正确或已过期，请重新获取';
  if (code === 'rate_limited' && retryAfter > 0) text = '操作过于频繁，请 ' + retryAfter + ' 秒后再试';
  return text;
}

function codeForStatus(status) {
  if (status === 400) return 'bad_request';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'invalid_transition';
  if (status === 413) return 'body_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 422) return 'validation_failed';
  if (status === 429) return 'rate_limited';
  if (status === 502) return 'upstream_failed';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'internal';
  return 'unknown';
}

function parseData(data) {
  if (typeof data !== 'string') return data === undefined ? null : data;
  if (data === '') return null;
  try {
    return JSON.parse(data);
  } catch (e) {
    return data;
  }
}

function header(headers, name) {
  if (!headers) return undefined;
  if (headers[name] !== undefined) return headers[name];
  var lower = name.toLowerCase();
  for (var k in headers) {
    if (Object.prototype.hasOwnProperty.call(headers, k) && k.toLowerCase() === lower) return headers[k];
  }
  return undefined;
}

/* The ApiError for an answer that is not 2xx (null for a 2xx). */
function errorFromResponse(resp) {
  if (resp.status >= 200 && resp.status < 300) return null;
  var body = parseData(resp.data);
  var e = body && typeof body === 'object' && body.error ? body.error : {};
  var retryAfter = parseInt(header(resp.headers, 'Retry-After'), 10) || 0;
  return new ApiError(resp.status, e.code || codeForStatus(resp.status), e.message, e.field, retryAfter);
}

function networkError(cause) {
  var timeout = cause && /timeout|timed out|超时/i.test(String(cause.message || cause.errMsg || cause));
  var err = new ApiError(0, timeout ? 'timeout' : 'network', String((cause && (cause.message || cause.errMsg)) || cause));
  err.cause = cause;
  return err;
}

/* A new Idempotency-Key: 32 hex characters from `random` (a function returning [0, 1)). */
function newKey(random) {
  var r = random || Math.random;
  var out = '';
  for (var i = 0; i < 32; i++) out += Math.floor(r() * 16).toString(16);
  return out;
}

function queryString(params) {
  var parts = [];
  for (var k in params) {
    if (!Object.prototype.hasOwnProperty.call(params, k)) continue;
    var v = params[k];
    if (v === undefined || v === null || v === '') continue;
    parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(v)));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

function defaultSleep(ms) {
  return new Promise(function (resolve) {
    setTimeout(resolve, ms);
  });
}

/*
 * createClient({baseUrl, transport, storage, random?, sleep?, onSessionExpired?, timeout?,
 *               submitRetries?, retryDelays?})
 */
function createClient(opts) {
  if (!opts || !opts.transport || typeof opts.transport.request !== 'function') {
    throw new Error('api-core: a transport with request() is required');
  }
  var base = String(opts.baseUrl || '').replace(/\/+$/, '');
  var transport = opts.transport;
  var storage = opts.storage || memoryStorage();
  var sleep = opts.sleep || defaultSleep;
  var timeout = opts.timeout || 15000;
  var retryDelays = opts.retryDelays || [500, 1500, 3000];
  var refreshing = null;

  function session() {
    var s = storage.get(SESSION_KEY);
    if (typeof s === 'string') s = parseData(s);
    return s && s.access_token ? s : null;
  }

  function saveSession(s) {
    var stored = {
      access_token: s.access_token,
      refresh_token: s.refresh_token,
      user: s.user || null,
      expires_at: Date.now() + (s.expires_in || 0) * 1000
    };
    storage.set(SESSION_KEY, JSON.stringify(stored));
    return stored;
  }

  function clearSession() {
    storage.remove(SESSION_KEY);
  }

  function url(path) {
    return base + path;
  }

  function send(method, path, body, extraHeaders, useAuth) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    for (var k in extraHeaders || {}) headers[k] = extraHeaders[k];
    var s = session();
    if (useAuth && s) headers.Authorization = 'Bearer ' + s.access_token;
    return transport
      .request({
        method: method,
        url: url(path),
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        timeout: timeout
      })
      .then(
        function (resp) {
          return { status: resp.status, headers: resp.headers || {}, data: parseData(resp.data) };
        },
        function (cause) {
          throw networkError(cause);
        }
      );
  }

  /* One refresh at a time: concurrent 401s wait for the same new session. */
  function refresh() {
    if (refreshing) return refreshing;
    var s = session();
    if (!s || !s.refresh_token) return Promise.reject(new ApiError(401, 'unauthenticated'));
    refreshing = send('POST', '/api/v1/auth/refresh', { refresh_token: s.refresh_token }, null, false)
      .then(function (resp) {
        if (resp.status !== 200) {
          // a refused refresh ends the session; a network failure or 5xx keeps it for later
          if (resp.status === 401 || resp.status === 422) {
            clearSession();
            if (opts.onSessionExpired) opts.onSessionExpired();
          }
          throw errorFromResponse(resp);
        }
        return saveSession(resp.data);
      })
      .then(
        function (v) {
          refreshing = null;
          return v;
        },
        function (err) {
          refreshing = null;
          throw err;
        }
      );
    return refreshing;
  }

  /* Runs attempt() (which reads the token from storage) and, on a 401 with a session, refreshes
     once and runs it again. */
  function withAuth(attempt) {
    var had = session();
    return attempt().then(function (resp) {
      if (resp.status !== 401 || !had || !had.refresh_token) return resp;
      return refresh().then(attempt);
    });
  }

  /* request(method, path, {body, query, auth (default true), headers}) -> the parsed body */
  function request(method, path, options) {
    var o = options || {};
    var useAuth = o.auth !== false;
    var full = path + queryString(o.query || {});
    var attempt = function () {
      return send(method, full, o.body, o.headers, useAuth);
    };
    return (useAuth ? withAuth(attempt) : attempt()).then(function (resp) {
      var err = errorFromResponse(resp);
      if (err) throw err;
      return o.full ? resp : resp.data;
    });
  }

  /*
   * submitMessage(doc, {key}) -> {ticket, created, key}: POST /messages with an Idempotency-Key
   * (the caller's, e.g. kept with the form's draft, or a new one). A network failure or a 5xx is
   * retried with the SAME key, so a request that reached the server creates one ticket only: the
   * retry answers 200 with the ticket the first one made.
   */
  function submitMessage(doc, options) {
    var key = (options && options.key) || newKey(opts.random);
    var attempts = 0;
    function once() {
      attempts++;
      return request('POST', '/api/v1/messages', { body: doc, headers: { 'Idempotency-Key': key }, full: true }).then(
        function (resp) {
          return { ticket: resp.data.ticket, created: resp.status === 201, key: key, attempts: attempts };
        },
        function (err) {
          var retryable = err.status === 0 || err.status >= 500;
          if (!retryable || attempts > retryDelays.length) throw err;
          return sleep(retryDelays[attempts - 1]).then(once);
        }
      );
    }
    return once();
  }

  function uploadImage(file) {
    if (!transport.upload) return Promise.reject(new Error('api-core: this transport cannot upload'));
    var attempt = function () {
      var s = session();
      return transport
        .upload({
          url: url('/api/v1/uploads'),
          headers: s ? { Authorization: 'Bearer ' + s.access_token } : {},
          file: file,
          timeout: 60000
        })
        .then(
          function (resp) {
            return { status: resp.status, headers: resp.headers || {}, data: parseData(resp.data) };
          },
          function (cause) {
            throw networkError(cause);
          }
        );
    };
    return withAuth(attempt).then(function (resp) {
      var err = errorFromResponse(resp);
      if (err) throw err;
      return resp.data.upload;
    });
  }

  /* An uploaded image as the platform shows it (needs the bearer token, so not a plain URL). */
  function image(id) {
    if (!transport.download) return Promise.reject(new Error('api-core: this transport cannot download'));
    var attempt = function () {
      var s = session();
      return transport
        .download({
          url: url('/api/v1/uploads/' + encodeURIComponent(id)),
          headers: s ? { Authorization: 'Bearer ' + s.access_token } : {}
        })
        .then(null, function (cause) {
          throw networkError(cause);
        });
    };
    return withAuth(attempt).then(function (resp) {
      var err = errorFromResponse(resp);
      if (err) throw err;
      return resp.data;
    });
  }

  function signIn(path, body) {
    return request('POST', path, { body: body, auth: false }).then(function (s) {
      saveSession(s);
      return s.user;
    });
  }

  return {
    baseUrl: base,
    request: request,
    refresh: refresh,
    session: session,
    signedIn: function () {
      return !!session();
    },
    user: function () {
      var s = session();
      return s ? s.user : null;
    },
    setSession: saveSession,
    clearSession: clearSession,
    newKey: function () {
      return newKey(opts.random);
    },

    loginMiniprogram: function (code) {
      return signIn('/api/v1/auth/miniprogram', { code: code });
    },
    requestPhoneCode: function (phone) {
      return request('POST', '/api/v1/auth/phone-code', { body: { phone: phone }, auth: false });
    },
    loginPhone: function (phone, code) {
      return signIn('/api/v1/auth/phone', { phone: phone, code: code });
    },
    logout: function () {
      var s = session();
      clearSession();
      if (!s || !s.refresh_token) return Promise.resolve();
      return request('POST', '/api/v1/auth/logout', { body: { refresh_token: s.refresh_token }, auth: false }).then(
        function () {},
        function () {}
      );
    },

    submitMessage: submitMessage,
    uploadImage: uploadImage,
    image: image,
    myTickets: function (params) {
      return request('GET', '/api/v1/tickets', { query: params || {} });
    },
    ticket: function (id) {
      return request('GET', '/api/v1/tickets/' + encodeURIComponent(id));
    },
    rate: function (id, rating) {
      return request('POST', '/api/v1/tickets/' + encodeURIComponent(id) + '/rating', { body: rating });
    },
    followUp: function (id, content) {
      return request('POST', '/api/v1/tickets/' + encodeURIComponent(id) + '/follow-ups', {
        body: { content: content }
      });
    },
    units: function () {
      return request('GET', '/api/v1/units').then(function (d) {
        return d.items;
      });
    },
    categories: function () {
      return request('GET', '/api/v1/categories').then(function (d) {
        return d.items;
      });
    },
    accounts: function () {
      return request('GET', '/api/v1/accounts').then(function (d) {
        return d.items;
      });
    },
    publicConfig: function () {
      return request('GET', '/api/v1/public/config', { auth: false });
    },
    publicReplies: function (params) {
      return request('GET', '/api/v1/public/replies', { query: params || {}, auth: false });
    },
    publicReply: function (id) {
      return request('GET', '/api/v1/public/replies/' + encodeURIComponent(id), { auth: false }).then(function (d) {
        return d.item;
      });
    },
    // the departments a visitor may filter the public board by (no sign-in needed)
    publicUnits: function () {
      return request('GET', '/api/v1/public/units', { auth: false }).then(function (d) {
        return d.items;
      });
    }
  };
}

function memoryStorage() {
  var data = {};
  return {
    get: function (k) {
      return Object.prototype.hasOwnProperty.call(data, k) ? data[k] : null;
    },
    set: function (k, v) {
      data[k] = v;
    },
    remove: function (k) {
      delete data[k];
    }
  };
}

module.exports = {
  createClient: createClient,
  ApiError: ApiError,
  errorFromResponse: errorFromResponse,
  friendlyMessage: friendlyMessage,
  memoryStorage: memoryStorage,
  newKey: newKey,
  queryString: queryString,
  MESSAGES: MESSAGES,
  FIELD_NAMES: FIELD_NAMES,
  SESSION_KEY: SESSION_KEY
};
