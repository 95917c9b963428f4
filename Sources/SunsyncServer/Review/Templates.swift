import Mustache

/// The review page's templates (Mustache: `{{value}}` is HTML-escaped; nothing here uses the unescaped
/// `{{{…}}}` or `{{&…}}` forms). Everything a page needs is inline: the server may have no internet.
enum Templates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in [("head", head), ("foot", foot), ("login", login), ("message", message), ("district", district),
                             ("org", org), ("record", record), ("payments", payments), ("reveals", reveals)] {
            try library.register(text, named: name)
        }
        return library
    }

    static let head = """
        <!doctype html>
        <html lang="zh-CN">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · 阳光基地审核</title>
        <style>
        :root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #f5f7fa; --ok: #2f8f46; --wait: #c5ccd6; --no: #c2410c; --accent: #1d4ed8; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; color: var(--ink); background: var(--bg); }
        header { background: #102a43; color: #fff; padding: 10px 24px; display: flex; align-items: center; gap: 24px; flex-wrap: wrap; }
        header .brand { font-weight: 700; font-size: 17px; }
        header .who { margin-left: auto; color: #bcccdc; font-size: 13px; }
        header form { margin: 0; }
        header button { background: transparent; color: #fff; border: 1px solid #829ab1; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
        main { max-width: 1280px; margin: 0 auto; padding: 16px 24px 48px; }
        h1 { font-size: 22px; margin: 8px 0 4px; }
        h2 { font-size: 17px; margin: 28px 0 8px; }
        a { color: var(--accent); text-decoration: none; }
        a:hover { text-decoration: underline; }
        .crumbs { color: var(--muted); font-size: 13px; }
        .nav { display: flex; gap: 12px; align-items: center; margin: 8px 0 16px; flex-wrap: wrap; }
        .nav form { display: inline-flex; gap: 6px; margin: 0; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 12px 0; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
        .card .n { font-size: 22px; font-weight: 700; }
        .card .l { color: var(--muted); font-size: 13px; }
        table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
        th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
        th { background: #eef2f7; font-size: 13px; color: var(--muted); font-weight: 600; white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.total td { font-weight: 700; background: #f8fafc; }
        .tag { display: inline-block; border-radius: 3px; padding: 0 6px; font-size: 12px; margin: 1px 2px 1px 0; white-space: nowrap; }
        .flag { background: #fff4e5; color: #8a4b08; border: 1px solid #f7c98b; }
        .conflict { background: #fde8e8; color: #9b1c1c; border: 1px solid #f5b5b5; }
        .st-approved { color: var(--ok); font-weight: 600; }
        .st-rejected { color: var(--no); font-weight: 600; }
        .st-needs_review { color: var(--muted); }
        .muted { color: var(--muted); }
        .notice { background: #e6f4ea; border: 1px solid #a8dab5; padding: 8px 12px; border-radius: 4px; margin: 12px 0; }
        .error { background: #fde8e8; border: 1px solid #f5b5b5; padding: 8px 12px; border-radius: 4px; margin: 12px 0; }
        .panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin: 12px 0; }
        .actions { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-end; }
        .actions form { margin: 0; display: flex; gap: 8px; align-items: flex-end; flex-wrap: wrap; }
        input[type=text], input[type=password], input[type=month] { padding: 5px 8px; border: 1px solid #9fb3c8; border-radius: 4px; font: inherit; }
        button.primary { background: var(--ok); color: #fff; border: 0; border-radius: 4px; padding: 6px 14px; font: inherit; cursor: pointer; }
        button.danger { background: var(--no); color: #fff; border: 0; border-radius: 4px; padding: 6px 14px; font: inherit; cursor: pointer; }
        button.plain { background: #fff; border: 1px solid #9fb3c8; border-radius: 4px; padding: 5px 12px; font: inherit; cursor: pointer; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        svg text { font: 11px "Noto Sans CJK SC", sans-serif; fill: var(--muted); }
        .filters a { margin-right: 10px; }
        .filters a.on { font-weight: 700; color: var(--ink); }
        .printed-at { display: none; }
        /* Printed (A4): no header bar, buttons, forms or filters; names never broken; a table's header
           row again on every page, its rows never split; links printed as plain text. */
        @page { size: A4 landscape; margin: 12mm 10mm; }
        @media print {
          body { background: #fff; font-size: 11pt; }
          header, form, button, .nav, .filters, .actions, .crumbs, .pick { display: none !important; }
          main { max-width: none; padding: 0; }
          a { color: inherit; text-decoration: none; }
          table { border: 1px solid #999; }
          th, td { border-bottom: 1px solid #bbb; padding: 3px 6px; }
          thead { display: table-header-group; }
          tr, .card, .panel { break-inside: avoid; }
          td, th { word-break: keep-all; overflow-wrap: normal; }
          tr.total td { background: #eee; }
          .cards { grid-template-columns: repeat(6, 1fr); }
          .panel, .card { border-color: #bbb; }
          .printed-at { display: block; color: #555; font-size: 9pt; margin-bottom: 6px; }
        }
        </style>
        </head>
        <body>
        <header>
          <span class="brand">阳光基地工时与午餐补贴审核</span>
          {{#district}}<span>{{district}}</span>{{/district}}
          {{#device}}<span class="who">审核设备 {{device}}</span>
          <form method="post" action="/review/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button>退出登录</button></form>{{/device}}
        </header>
        <main>
        <div class="printed-at">{{#district}}{{district}} · {{/district}}{{title}}</div>
        {{#notice}}<div class="notice">{{notice}}</div>{{/notice}}
        {{#problem}}<div class="error">{{problem}}</div>{{/problem}}
        """

    static let foot = """
        </main>
        </body>
        </html>
        """

    static let login = """
        {{>head}}
        <div class="panel" style="max-width: 520px; margin: 48px auto;">
          <h1>审核登录</h1>
          <p class="muted">用区残联审核设备的令牌登录。令牌由服务器管理员用 <code>sunsync-server device add --role reviewer</code> 发放。</p>
          <form method="post" action="/review/login">
            <p><label for="token">设备令牌 device token</label><br>
            <input id="token" type="password" name="token" autocomplete="off" required style="width: 100%;"></p>
            <p><button class="primary">登录</button></p>
          </form>
          <p class="muted">登录后 12 小时内有效；设备被吊销时立即失效。</p>
        </div>
        {{>foot}}
        """

    /// A refusal or a failure, with where to go next.
    static let message = """
        {{>head}}
        <div class="panel" style="max-width: 640px; margin: 48px auto;">
          <h1>{{heading}}</h1>
          <p>{{text}}</p>
          <p><a href="{{link}}">{{linkText}}</a></p>
        </div>
        {{>foot}}
        """

    static let district = """
        {{#frame}}{{>head}}
        <div class="crumbs">{{district}}</div>
        <h1>{{month}} 月度审核 · 各基地</h1>
        <div class="nav">
          <a href="/review?month={{prev}}">← {{prev}}</a>
          <a href="/review?month={{next}}">{{next}} →</a>
          <form method="get" action="/review"><input type="month" name="month" value="{{month}}"><button class="plain">查看</button></form>
        </div>
        {{#totals}}
        <div class="cards">
          <div class="card"><div class="n">{{orgCount}}</div><div class="l">基地 organizations</div></div>
          <div class="card"><div class="n">{{participants}}</div><div class="l">参与人员 participants</div></div>
          <div class="card"><div class="n">{{days}}</div><div class="l">工作天数 days worked</div></div>
          <div class="card"><div class="n">{{hours}}</div><div class="l">工时（小时） hours</div></div>
          <div class="card"><div class="n">{{lunches}}</div><div class="l">午餐 {{lunchAmount}} 元</div></div>
          <div class="card"><div class="n">{{approved}} / {{records}}</div><div class="l">已通过 approved · 待审核 {{needsReview}} · 已退回 {{rejected}}</div></div>
          <div class="card"><div class="n">{{flags}}</div><div class="l">提示 flags · 冲突 {{conflicts}}</div></div>
        </div>
        {{/totals}}
        {{#chart}}
        <div class="panel">
          <h2 style="margin-top: 0;">近 12 个月工时（小时），全区</h2>
          <svg width="{{width}}" height="{{height}}" viewBox="0 0 {{width}} {{height}}" role="img" aria-label="近 12 个月全区工时">
            {{#gridlines}}<line x1="40" x2="{{width}}" y1="{{y}}" y2="{{y}}" stroke="#e4e7eb"/><text x="36" y="{{labelY}}" text-anchor="end">{{label}}</text>{{/gridlines}}
            {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" fill="{{fill}}"><title>{{month}}：{{value}} 小时</title></rect>
            <text x="{{labelX}}" y="{{labelY}}" text-anchor="middle">{{short}}</text>{{/bars}}
          </svg>
        </div>
        {{/chart}}
        <h2>各基地 organizations <a href="/review/payments?month={{month}}" style="font-size: 14px; font-weight: 400;">本月补贴发放表 payments</a>
          <a href="/review/reveals?month={{month}}" style="font-size: 14px; font-weight: 400; margin-left: 12px;">查看完整证号记录 reveals</a></h2>
        {{#empty}}<p class="muted">本月还没有记录：下面每个基地都是 0。No records in {{month}} yet: the bases have not synced this month, or choose another month.</p>{{/empty}}
        <table>
          <thead><tr><th>基地</th><th class="num">人数</th><th class="num">天数</th><th class="num">工时</th><th class="num">午餐</th><th class="num">午餐金额</th>
              <th>审核进度</th><th class="num">已通过</th><th class="num">待审核</th><th class="num">已退回</th><th class="num">提示</th><th class="num">冲突</th><th>近 12 个月工时</th></tr></thead>
          {{#orgs}}
          <tr>
            <td><a href="/review/orgs/{{code}}?month={{month}}">{{name}}</a><br><span class="muted">{{code}}</span></td>
            <td class="num">{{participants}}</td><td class="num">{{days}}</td><td class="num">{{hours}}</td>
            <td class="num">{{lunches}}</td><td class="num">{{lunchAmount}}</td>
            <td>{{#progress}}<svg width="120" height="12" role="img" aria-label="已通过 {{approved}}，已退回 {{rejected}}，待审核 {{needsReview}}">
              <rect x="0" y="0" width="120" height="12" fill="#c5ccd6"/><rect x="0" y="0" width="{{approvedWidth}}" height="12" fill="#2f8f46"/>
              <rect x="{{approvedWidth}}" y="0" width="{{rejectedWidth}}" height="12" fill="#c2410c"/></svg>{{/progress}}</td>
            <td class="num">{{approved}}</td><td class="num">{{needsReview}}</td><td class="num">{{rejected}}</td>
            <td class="num">{{#flags}}<span class="tag flag">{{flags}}</span>{{/flags}}{{^flags}}0{{/flags}}</td>
            <td class="num">{{#conflicts}}<span class="tag conflict">{{conflicts}}</span>{{/conflicts}}{{^conflicts}}0{{/conflicts}}</td>
            <td>{{#spark}}<svg width="{{width}}" height="{{height}}" role="img" aria-label="{{name}} 近 12 个月工时">
              {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" fill="{{fill}}"><title>{{month}}：{{value}} 小时</title></rect>{{/bars}}</svg>{{/spark}}</td>
          </tr>
          {{/orgs}}
        </table>
        {{>foot}}{{/frame}}
        """

    static let payments = """
        {{#frame}}{{>head}}
        <div class="crumbs"><a href="/review?month={{month}}">{{district}} · {{month}}</a> › 补贴发放表</div>
        <h1>{{month}} 补贴发放表 <span class="muted" style="font-size: 15px;">payments</span></h1>
        <div class="nav">
          <a href="/review/payments?month={{prev}}">← {{prev}}</a>
          <a href="/review/payments?month={{next}}">{{next}} →</a>
          <a href="/review/payments.csv?month={{month}}">下载 CSV（Excel）</a>
        </div>
        {{/frame}}
        <p class="muted">只计审核通过的记录；午餐只在当天工时也计入时计入。与 <code>sunsync report payments</code> 的数字相同。</p>
        {{#notCounted}}<div class="panel">未计入：{{notCounted}}</div>{{/notCounted}}
        {{#empty}}<p class="muted">本月还没有审核通过的记录。</p>{{/empty}}
        <table>
          <thead><tr>{{#headers}}<th>{{.}}</th>{{/headers}}</tr></thead>
          {{#rows}}<tr class="{{css}}">{{#cells}}<td class="{{cls}}">{{text}}</td>{{/cells}}</tr>{{/rows}}
        </table>
        {{#frame}}{{>foot}}{{/frame}}
        """

    static let reveals = """
        {{#frame}}{{>head}}
        <div class="crumbs"><a href="/review?month={{month}}">{{district}} · {{month}}</a> › 查看完整证号记录</div>
        <h1>查看完整证号记录 <span class="muted" style="font-size: 15px;">reveals</span></h1>
        {{/frame}}
        <p class="muted">残疾人证号平时只显示遮蔽后的号码（类别、等级也遮蔽）。经管理员允许的设备查看完整号码时须说明用途，每次查看都记录在此，随该设备的下次同步送达；时间为该设备的北京时间。</p>
        {{#empty}}<p class="muted">本区还没有查看完整证号的记录。</p>{{/empty}}
        {{^empty}}
        <table>
          <thead><tr><th>时间</th><th>设备</th><th>基地</th><th>查看了谁的证号</th><th>用途</th><th>命令</th></tr></thead>
          {{#rows}}<tr><td>{{time}}</td><td>{{device}}</td><td>{{orgName}}<br><span class="muted">{{org}}</span></td><td>{{people}}</td><td>{{purpose}}</td><td class="muted">{{what}}</td></tr>{{/rows}}
        </table>
        {{/empty}}
        {{#frame}}{{>foot}}{{/frame}}
        """

    static let org = """
        {{#frame}}{{>head}}
        <div class="crumbs"><a href="/review?month={{month}}">{{district}} · {{month}}</a> › {{code}}</div>
        <h1>{{name}} <span class="muted" style="font-size: 15px;">{{code}} · {{month}}</span></h1>
        <div class="nav">
          <a href="/review/orgs/{{code}}?month={{prev}}">← {{prev}}</a>
          <a href="/review/orgs/{{code}}?month={{next}}">{{next}} →</a>
          <a href="/review/orgs/{{code}}/sheet?month={{month}}">打印考勤表 attendance sheet</a>
        </div>
        {{#totals}}
        <div class="cards">
          <div class="card"><div class="n">{{participants}}</div><div class="l">参与人员</div></div>
          <div class="card"><div class="n">{{days}}</div><div class="l">工作天数</div></div>
          <div class="card"><div class="n">{{hours}}</div><div class="l">工时（小时）</div></div>
          <div class="card"><div class="n">{{lunches}}</div><div class="l">午餐 {{lunchAmount}} 元</div></div>
          <div class="card"><div class="n">{{approved}} / {{records}}</div><div class="l">已通过 · 待审核 {{needsReview}} · 已退回 {{rejected}}</div></div>
          <div class="card"><div class="n">{{flags}}</div><div class="l">提示 · 冲突 {{conflicts}}</div></div>
        </div>
        {{/totals}}
        <div class="panel actions">
          <form method="post" action="/review/orgs/{{code}}/approve">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="month" value="{{month}}">
            <button class="primary" {{^canApproveMonth}}disabled{{/canApproveMonth}}>通过本月无提示的 {{approvable}} 条记录</button>
          </form>
          <span class="muted">有提示或冲突的 {{held}} 条、已退回的 {{rejectedCount}} 条不在其中：逐条查看后决定。</span>
        </div>
        <h2>人员 participants</h2>
        <table>
          <thead><tr><th>姓名</th><th>残疾人证号</th><th class="num">天数</th><th class="num">工时</th><th class="num">午餐</th><th class="num">金额</th>
              <th class="num">已通过</th><th class="num">待审核</th><th class="num">已退回</th><th class="num">提示</th></tr></thead>
          {{#people}}<tr><td><a href="{{href}}">{{name}}</a></td><td>{{certificate}}</td><td class="num">{{days}}</td><td class="num">{{hours}}</td><td class="num">{{lunches}}</td>
              <td class="num">{{lunchAmount}}</td><td class="num">{{approved}}</td><td class="num">{{needsReview}}</td><td class="num">{{rejected}}</td>
              <td class="num">{{#flags}}<span class="tag flag">{{flags}}</span>{{/flags}}{{^flags}}0{{/flags}}</td></tr>{{/people}}
        </table>
        {{#hasFlags}}
        <h2>提示 flags</h2>
        <table>
          <thead><tr><th>提示</th><th>人员</th><th>说明</th></tr></thead>
          {{#flagLines}}<tr><td><span class="tag {{css}}">{{label}}</span></td><td>{{subject}}</td><td>{{message}}</td></tr>{{/flagLines}}
        </table>
        {{/hasFlags}}
        <h2>每日记录 days</h2>
        <div class="filters">显示：{{#filters}}{{#href}}<a href="{{href}}" class="{{#on}}on{{/on}}">{{label}}</a>{{/href}}{{^href}}<a class="on">{{label}}</a>{{/href}}{{/filters}}</div>
        <form id="picked" method="post" action="/review/orgs/{{code}}/approve-selected" class="actions">
          <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="month" value="{{month}}">
          <button class="primary">通过勾选的记录</button> <span class="muted">在下表勾选看过的记录（有提示的也可），一并通过。</span>
        </form>
        <table>
          <thead><tr><th class="pick">选</th><th>编号</th><th>日期</th><th>姓名</th><th>类别</th><th class="num">工时 / 金额</th><th>审核</th><th>提示</th></tr></thead>
          {{#days}}<tr><td class="pick">{{#version}}<input type="checkbox" form="picked" name="pick-{{id}}" value="{{version}}" aria-label="勾选 {{id}}">{{/version}}</td><td><a href="/review/records/{{id}}">{{id}}</a></td><td>{{date}}</td><td>{{name}}</td><td>{{kind}}</td><td class="num">{{value}}</td>
            <td><span class="st-{{status}}">{{statusLabel}}</span>{{#reviewNote}} <span class="muted">（{{reviewNote}}）</span>{{/reviewNote}}{{#changed}} <span class="tag flag">通过后已修改</span>{{/changed}}</td>
            <td>{{#flags}}<span class="tag flag">{{.}}</span>{{/flags}}{{#conflict}}<span class="tag conflict">冲突</span>{{/conflict}}</td></tr>{{/days}}
        </table>
        {{^days}}<p class="muted">没有符合条件的记录。</p>{{/days}}
        {{>foot}}{{/frame}}
        """

    static let record = """
        {{#frame}}{{>head}}
        <div class="crumbs"><a href="/review?month={{month}}">{{district}} · {{month}}</a> › <a href="/review/orgs/{{org}}?month={{month}}">{{orgName}}</a> › {{id}}</div>
        <h1>{{kind}} · {{name}} · {{date}}</h1>
        <div class="panel">
          <dl class="facts">
            <dt>编号</dt><dd>{{id}}</dd>
            <dt>基地</dt><dd>{{orgName}}（{{org}}）</dd>
            <dt>姓名</dt><dd>{{name}}</dd>
            <dt>残疾人证号</dt><dd>{{certificate}}</dd>
            <dt>日期</dt><dd>{{date}}</dd>
            <dt>{{valueLabel}}</dt><dd>{{value}}</dd>
            {{#project}}<dt>劳动项目</dt><dd>{{project}}</dd>{{/project}}
            {{#note}}<dt>备注</dt><dd>{{note}}</dd>{{/note}}
            {{#deleted}}<dt>状态</dt><dd>已被基地删除</dd>{{/deleted}}
            <dt>审核</dt><dd><span class="st-{{status}}">{{statusLabel}}</span>{{#reviewNote}}：{{reviewNote}}{{/reviewNote}}{{#changed}} <span class="tag flag">通过后内容已修改，需重新审核</span>{{/changed}}</dd>
          </dl>
        </div>
        {{#hasFlags}}<h2>提示 flags</h2><ul>{{#flags}}<li>{{.}}</li>{{/flags}}</ul>{{/hasFlags}}
        {{#hasConflicts}}<h2>冲突 conflicts</h2><ul>{{#conflicts}}<li>{{.}}</li>{{/conflicts}}</ul>
          <p class="muted">冲突的记录不能通过：请基地先解决（sunsync resolve）。</p>{{/hasConflicts}}
        <h2>审核决定 decision</h2>
        <div class="panel actions">
          {{#canApprove}}<form method="post" action="/review/records/{{id}}/approve">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="version" value="{{version}}">
            <label>备注（可不填）<br><input type="text" name="note" maxlength="500"></label>
            <button class="primary">通过</button></form>{{/canApprove}}
          {{#approveBlocked}}<span class="muted">不能通过：{{approveBlocked}}</span>{{/approveBlocked}}
          {{^deleted}}<form method="post" action="/review/records/{{id}}/reject">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="version" value="{{version}}">
            <label>退回原因（基地会看到）<br><input type="text" name="reason" maxlength="500" required size="40"></label>
            <button class="danger">退回</button></form>{{/deleted}}
        </div>
        <div class="nav">{{#nextRecord}}<a href="/review/records/{{nextRecord}}">下一条待审核 next to review →</a> <span class="muted">本基地本月还有 {{waiting}} 条待审核</span>{{/nextRecord}}{{^nextRecord}}<span class="muted">本基地本月没有其他待审核的记录。</span>{{/nextRecord}}</div>
        <h2>修改记录 history</h2>
        <table>
          <thead><tr><th>时间</th><th>设备</th><th>签名</th><th>字段</th><th>值</th></tr></thead>
          {{#history}}<tr><td>{{time}}</td><td>{{device}}</td><td>{{signedBy}}</td><td>{{field}}</td><td>{{value}}</td></tr>{{/history}}
        </table>
        {{>foot}}{{/frame}}
        """
}
