-- Demo data for `ops/run` (demo mode only): a small city's unit tree, its government accounts
-- and a category tree. Users are added by `wenzheng seed-demo`, which hashes their password.
INSERT INTO units (id, parent_id, code, name, kind, region, path) VALUES
 (1,  NULL, 'demo-city',        '示范市人民政府',             'government', '示范市', '/1/'),
 (2,  1,    'demo-city-zwfw',   '示范市政务服务数据管理局',   'department', '示范市', '/1/2/'),
 (3,  1,    'demo-city-zjj',    '示范市住房和城乡建设局',     'department', '示范市', '/1/3/'),
 (4,  1,    'demo-city-rsj',    '示范市人力资源和社会保障局', 'department', '示范市', '/1/4/'),
 (5,  1,    'demo-dongcheng',   '东城区人民政府',             'government', '东城区', '/1/5/'),
 (6,  5,    'demo-dc-jyj',      '东城区教育局',               'department', '东城区', '/1/5/6/'),
 (7,  5,    'demo-dc-donghua',  '东华街道办事处',             'township',   '东城区', '/1/5/7/'),
 (8,  1,    'demo-xicheng',     '西城区人民政府',             'government', '西城区', '/1/8/'),
 (9,  8,    'demo-xc-wjj',      '西城区卫生健康局',           'department', '西城区', '/1/8/9/'),
 (10, 8,    'demo-xc-xihu',     '西湖镇人民政府',             'township',   '西城区', '/1/8/10/');

INSERT INTO accounts (id, unit_id, platform, name, platform_id, status, last_post_at) VALUES
 (1,  1, 'wechat_oa',     '示范发布',             'gh_demo_city',      'active', UTC_TIMESTAMP(6) - INTERVAL 1 DAY),
 (2,  1, 'weibo',         '@示范发布',            'weibo_demo_city',   'active', UTC_TIMESTAMP(6) - INTERVAL 2 DAY),
 (3,  1, 'miniprogram',   '示范问政小程序',       'wx_demo_miniapp',   'active', UTC_TIMESTAMP(6) - INTERVAL 1 DAY),
 (4,  1, 'web',           '示范市政府网站留言板', 'web_demo_city',     'active', NULL),
 (5,  1, 'hotline_12345', '示范市12345热线',      'hotline_demo_city', 'active', NULL),
 (6,  3, 'wechat_oa',     '示范住建',             'gh_demo_zjj',       'active', UTC_TIMESTAMP(6) - INTERVAL 20 DAY),
 (7,  4, 'douyin',        '示范人社',             'dy_demo_rsj',       'active', UTC_TIMESTAMP(6) - INTERVAL 3 DAY),
 (8,  5, 'wechat_oa',     '东城发布',             'gh_demo_dc',        'active', UTC_TIMESTAMP(6) - INTERVAL 5 DAY),
 (9,  6, 'toutiao',       '东城教育',             'tt_demo_dcjy',      'active', UTC_TIMESTAMP(6) - INTERVAL 9 DAY),
 (10, 8, 'weibo',         '@西城发布',            'weibo_demo_xc',     'active', UTC_TIMESTAMP(6) - INTERVAL 1 DAY),
 (11, 9, 'app',           '西城健康',             'app_demo_xcwj',     'suspended', UTC_TIMESTAMP(6) - INTERVAL 40 DAY);

INSERT INTO categories (id, parent_id, code, name) VALUES
 (1,  NULL, 'urban',      '城乡建设'),
 (2,  1,    'housing',    '住房保障'),
 (3,  1,    'property',   '物业管理'),
 (4,  NULL, 'education',  '教育'),
 (5,  NULL, 'health',     '医疗卫生'),
 (6,  NULL, 'social',     '社会保障'),
 (7,  6,    'pension',    '养老保险'),
 (8,  6,    'employment', '就业创业'),
 (9,  NULL, 'transport',  '交通出行'),
 (10, NULL, 'market',     '市场监管'),
 (11, NULL, 'environment','生态环境'),
 (12, NULL, 'other',      '其他');

-- 三审: the social security bureau's replies wait for its reviewer; the other units publish directly
UPDATE units SET requires_review = 1 WHERE id = 4;

-- routing: accounts go to their own unit; then subject keywords; then the district by region
INSERT INTO routing_rules (priority, kind, match_id, match_text, unit_id) VALUES
 (10, 'account',  6,    NULL,                         NULL),
 (10, 'account',  7,    NULL,                         NULL),
 (10, 'account',  9,    NULL,                         NULL),
 (20, 'category', 2,    NULL,                         3),
 (20, 'category', 7,    NULL,                         4),
 (20, 'category', 4,    NULL,                         6),
 (30, 'keyword',  NULL, '物业|小区|停车|房屋|装修',    3),
 (30, 'keyword',  NULL, '社保|医保|养老金|失业|就业',  4),
 (30, 'keyword',  NULL, '学校|入学|学位|幼儿园|课后', 6),
 (30, 'keyword',  NULL, '医院|疫苗|卫生|门诊',        9),
 (40, 'region',   NULL, '东城区东华街道',              7),
 (50, 'region',   NULL, '西城区西湖镇',                10);

-- reply templates (答复模板): two for every unit, one for the housing bureau and its staff
INSERT INTO reply_templates (unit_id, title, body) VALUES
 (NULL, '已受理',       '您好，您反映的问题已收到，我们正在核实办理，将在规定时限内答复您。感谢您对我们工作的关心和支持！'),
 (NULL, '需补充材料',   '您好，为便于核实办理，请您补充提供具体地址、发生时间等相关情况。感谢您的配合！'),
 (3,    '公积金提取',   '您好，住房公积金提取可通过“示范公积金”小程序线上办理，也可携带身份证到市住房公积金管理中心各网点办理。'),
 (4,    '社保转移接续', '您好，养老保险关系转移接续可通过国家社会保险公共服务平台申请，转入地经办机构受理后15个工作日内办结。');
