import SunsyncModel

/// `sunsync-server` 的管理命令，中文（默认）。
extension Chinese {
    public func admin(_ message: AdminMessage) -> String {
        switch message {
        case .cannotActAsOwner(let directory, let uid, let reason): "无法以 \(directory) 的所有者（uid \(uid)）身份运行：\(reason)；请以该用户运行本命令"
        case .cannotOpen(let path, let reason): "无法打开 \(path)：\(reason)"
        case .anotherServer(let directory, let lock): "已有另一个 sunsync-server 在使用 \(directory)（它持有 \(lock)）；请先停止它，或换一个 --data-dir"
        case .serverRunning(let directory, let lock): "有 sunsync-server 正在使用 \(directory)（它持有 \(lock)）；请先停止它，再恢复"
        case .upgrading(let path): "正在把 \(path) 升级到这一版 sunsync-server（只做一次）……"
        case .sqliteOnly(let command):
            "\(command) 只用于 SQLite 数据文件；PostgreSQL 请用它自己的工具（pg_dump、pg_restore、时间点恢复），"
                + "然后运行 `sunsync-server migrate --new-epoch`（见 README“Backup and restore on PostgreSQL”）"
        case .fileExists(let file): "\(file) 已存在；请换一个新文件名（不会覆盖已有文件）"
        case .cannotWrite(let file): "无法写入 \(file)：请检查它所在的文件夹存在并且可写"
        case .cannotRead(let file): "无法读取 \(file)"

        case .notAPort(let port): "--port \(port) 不是端口号：请给 1 到 65535（或 0，表示任选一个空闲端口）"
        case .notSeconds(let option, let minimum): "\(option) 是秒数，不小于 \(minimum)"
        case .notConnections(let option, let minimum):
            minimum == 0 ? "\(option) 是连接数，0（不限）或更多" : "\(option) 是连接数，不小于 \(minimum)"
        case .tlsBothOrNeither: "--tls-cert 和 --tls-key 要么都给，要么都不给"
        case .plainBeyondMachine(let host):
            "--host \(host) 会对本机以外提供服务，令牌和残疾人证号不能明文经过网络："
                + "请给 --tls-cert 和 --tls-key；如果前面有 HTTPS 反向代理，给 --behind-https-proxy <代理地址>；"
                + "确需明文 HTTP，给 --insecure-http"
        case .cannotUseTLS(let reason): "无法使用 TLS 证书或私钥：\(reason)"
        case .portInUse(let port, let host): "\(host) 的端口 \(port) 已被占用（另一个 sunsync-server？）：请停止那个程序，或换一个 --port"
        case .portNeedsRoot(let port, let host): "无权在 \(host) 的端口 \(port) 上监听：1024 以下的端口需要 root；请用 --port 8080 或其他大于 1024 的端口"
        case .notAnAddress(let host): "\(host) 不是本机的地址：请给 --host 127.0.0.1、0.0.0.0（所有地址）或本机自己的地址"
        case .serverStopped(let reason): "服务器已停止：\(reason)"

        case .noDatabase(let path): "\(path) 没有数据库，无可备份（请检查 --data-dir）"
        case .backedUp(let ops, let file, let kib): "已把 \(ops) 条修改备份到 \(file)（\(kib) KiB）。"
        case .restored(let from, let to, let aside): "已用 \(from) 恢复为 \(to)。\(aside.map { "被替换的数据库移到了 \($0)。" } ?? "")"
        case .backupKnowsDevices(let count, let active):
            "备份里有 \(count) 台设备，其中 \(active) 台未撤销：备份之后撤销的设备请再撤销一次（`sunsync-server device list`），"
                + "之后添加的请再添加；之后改过的设置请再设一次（`sunsync-server settings show`）。"
        case .startAgain: "请重新启动服务器；笔记本在下次同步时会重新发送备份之后发过的修改。"
        case .newEpochIsForPostgres: "--new-epoch 用于 PostgreSQL；SQLite 数据文件由 `sunsync-server restore` 在恢复时换新纪元"
        case .newEpoch(let location, let epoch): "\(location) 已换新纪元 \(epoch)：笔记本下次同步时会重新发送自己的修改，并从头收取。"
        case .upToDate(let location): "\(location) 已是最新"
        case .checkingSignatures(let done, let total): "正在核对签名：第 \(done) 批，共 \(total) 批"
        case .allVerify(let ops, let batches): "\(batches) 个已签名批次中的全部 \(ops) 条修改核对无误：每一条都与写入设备签名时一致。"
        case .failVerification(let count, let of): "\(of) 条修改中有 \(count) 条核对不通过："
        case .andMore(let count): "……另有 \(count) 条（--json 列出全部）"
        case .tampered(let count):
            "\(count) 条修改核对不通过：数据库在 sunsync-server 之外被改过；请用之前的备份恢复（sunsync-server restore），并查明谁接触过它"

        case .notAnOrgCode(let code): "“\(code)”不是机构代码：只能用 A-Z、0-9 和“-”，例如 MH-SB-001"
        case .notADistrict(let code, let known): "“\(code)”不是上海的区代码；请给以下之一：" + known.map { "\($0.code) \($0.name)" }.joined(separator: "、")
        case .emptyName: "--name 不能为空"
        case .notADate(let option, let text, let forms): "\(option)“\(text)”不是有效日期：请写成 \(forms)"
        case .sameName(let code, let name): "\(code) 已叫“\(name)”：请给这个机构一个自己的名称（例如加上所在街镇）"
        case .orgExists(let code): "\(code) 已经登记过"
        case .orgRegistered(let code, let name, let kind, let district): "已登记 \(code) \(name)（\(admin(.kind(kind)))，区 \(district)）"
        case .nothingToChangeOrg: "没有要改的：请给 --name，或 --lunch-rate <元> --from <日期>"
        case .lunchRateNeedsFrom: "--lunch-rate 需要 --from YYYY-MM-DD（有效日期）：新标准开始的那一天"
        case .noOrganization(let code): "没有机构 \(code)；`sunsync-server org list` 列出所有机构"
        case .orgChanged(let code): "已修改 \(code)。笔记本下次同步时收到。"
        case .orgOpened(let code, let name): "已重新开放 \(code)（\(name)）录入。它的笔记本下次同步时知道。"
        case .orgRetired(let code, let name):
            "已撤销 \(code)（\(name)）：保留在历史记录中，不再显示在审核页面，不再接收新记录。它的笔记本下次同步时知道。"
        case .notYuan(let text): "--lunch-rate“\(text)”不是以元计的金额：请写成 15 或 12.50 这样"
        case .notALunchRate(let text): "每天 \(text) 元不是午餐补贴标准：请给 0 到 100 元"
        case .unusualLunchRate(let yuan): "每天 \(yuan) 元超出通常的 5 到 50 元：如果确实如此，请同时给 --confirm"
        case .noOrgs: "还没有机构：用 `sunsync-server org add` 添加。"
        case .orgHeader: "代码\t名称\t类型\t区\t街镇\t午餐补贴\t状态"
        case .yuan(let amount): amount + " 元"
        case .kind(let kind): ["sunshine-base": "阳光基地", "rural-org": "扶残涉农经济组织"][kind] ?? kind
        case .active(let active): active ? "在用" : "已撤销"

        case .staffNeedsOrg: "工作人员设备需要 --org <机构代码>"
        case .staffHasNoDistrict: "工作人员设备属于机构，不属于区"
        case .reviewerNeedsDistrict: "审核人员设备需要 --district <6 位区代码>，例如 310112"
        case .reviewerHasNoOrg: "审核人员设备属于区，不属于机构"
        case .adminHasNeither: "管理员设备既不给 --org 也不给 --district"
        case .noOrgForDevice(let org): "没有登记机构 \(org)；请先用 `sunsync-server org add` 添加"
        case .deviceAdded(let role, let name, let id, let token): "已添加\(self.role(role))设备 \(name)（\(id)）。它的令牌只显示这一次：\n\n  \(token)\n"
        case .onTheLaptop: "在笔记本上：sunsync login --server <本服务器地址> --token <令牌>"
        case .inABrowser: "在浏览器中：<本服务器地址>/review，用同一个令牌登录"
        case .noDevices: "还没有设备：用 `sunsync-server device add` 添加。"
        case .deviceHeader: "编号\t名称\t角色\t机构或区\t状态\t显示证号\t副本"
        case .neverPushed: "从未发送"
        case .replicas(let list): "副本 " + list
        case .oneTokenSeveralLaptops(let count): "⚠ 用于 \(count) 个副本：一个令牌装在几台笔记本上？请撤销它，给每台笔记本各自的令牌"
        case .revokedAt(let time): "已撤销 " + time
        case .mayReveal(let may): may ? "可显示" : "遮盖"
        case .noDevice(let device): "没有设备“\(device)”；`sunsync-server device list` 列出所有设备"
        case .revealAllowed(let name, let allowed):
            allowed ? "\(name) 现在可以显示完整的残疾人证号，每次须说明用途并留下记录；它下次同步时知道"
                : "\(name) 不再可以显示完整的残疾人证号；它下次同步时知道"
        case .revoked(let name, let id): "已撤销 \(name)（\(id)）"

        case .hasRecoveryKey(let publicKey):
            "区里已有恢复密钥（公钥 \(publicKey)……），笔记本已按它封存。"
                + "--replace 生成新的（请保留旧的私钥文件，给之后还没同步过的笔记本用）"
        case .madeRecoveryKey(let publicKey, let file):
            """
            已生成区里的恢复密钥（公钥 \(publicKey)……）。私钥在 \(file)：请离线保管这个文件（例如放在保险柜里的 U 盘上），不要放在服务器上。笔记本下次同步时用它封存本机数据的密钥；忘记口令的笔记本之后可以用 `sunsync-server recovery open` 打开。
            """
        case .notARecoveryKey(let file): "\(file) 不是 `sunsync-server recovery init` 写的恢复密钥文件"
        case .openedKeys(let file, let passphrase):
            """
            已打开。请把 \(file) 复制到笔记本上覆盖 store.keys；笔记本随后用这个一次性口令打开：

              \(passphrase)

            然后在笔记本上用 `sunsync passphrase` 设一个新口令。
            """
        case .needHost: "请用 --host 给出笔记本连接服务器用的名称或地址（例如 --host 192.168.10.5）；有几个就重复几次"
        case .notAHost(let host): "“\(host)”既不是主机名（字母、数字、“-”、“.”）也不是 IP 地址"
        case .nothingOverwritten(let file): "\(file) 已存在，不会覆盖：请换一个 --out，或先把旧文件移走"
        case .madeTLS(let hosts, let folder, let cert, let key, let ca, let url, let caKey):
            """
            已在 \(folder) 生成证书机构和 \(hosts) 的证书：
              服务器：sunsync-server serve --host 0.0.0.0 --port 8443 --tls-cert \(cert) --tls-key \(key)
              笔记本：把 \(ca) 复制到每台，然后：sunsync login --server \(url) --token <令牌> --ca ca.pem
            请离线保管 \(caKey)（它用来签发证书）；服务器只需要 server.pem 和 server.key。
            """

        case .noReveals(let org, let district):
            "\(district.map { "区 \($0) " } ?? "")\(org.map { "\($0) " } ?? "")没有显示完整证号的记录。"
                + "笔记本下次同步时发送它们的记录；`sunsync-server device list` 列出哪些设备可以显示。"
        case .revealHeader: "时间（北京时间）\t设备\t机构\t人员\t用途\t命令"
        case .morePeople(let count): " 等 \(count) 人"
        case .settingsShown(let rules):
            (["非全日制每周工时上限："]
                + rules.weeklyLimitMinutes.sorted { $0.from < $1.from }.map { "  \($0.from) 起：\(Quantity.hours($0.value)) 小时" }
                + ["年龄：\(rules.retirement.minimumAge) 岁起可工作；退休年龄自 \(rules.retirement.riseFrom) 起逐步提高：",
                   "  男 \(rules.retirement.male.baseYears) → \(rules.retirement.male.targetYears) 岁，出生日期每 \(rules.retirement.male.monthsPerStep) 个月提高 1 个月",
                   "  女 \(rules.retirement.female.baseYears) → \(rules.retirement.female.targetYears) 岁，出生日期每 \(rules.retirement.female.monthsPerStep) 个月提高 1 个月",
                   "午餐补贴标准：" + (rules.lunchRates.isEmpty ? "尚未设定（`sunsync-server org edit <代码> --lunch-rate <元> --from <日期>`）" : "")]
                + rules.lunchRates.sorted { $0.key < $1.key }.map { org, rates in
                    "  \(org)：" + rates.sorted { $0.from < $1.from }.map { "\($0.from) 起 \(Quantity.yuan($0.value)) 元" }.joined(separator: "，")
                }).joined(separator: "\n")
        case .nothingToSet: "没有要设的：请给 --weekly-limit <小时> --from <日期>、--minimum-age <岁> 或 --female-retirement-base 50|55"
        case .weeklyLimitNeedsFrom: "--weekly-limit 需要 --from YYYY-MM-DD（有效日期）：开始适用的那一天"
        case .femaleBase: "--female-retirement-base 只能是 50 或 55"
        case .notAWorkingAge(let age): "--minimum-age \(age) 不是工作年龄（14 到 30）"
        case .notWeeklyHours(let text): "--weekly-limit“\(text)”不是一周的小时数，例如 24"
        case .saved: "已保存。笔记本下次同步时收到新设置。"
        }
    }

    /// A device's role, as the administrator reads it.
    func role(_ role: String) -> String {
        switch role {
        case "staff": "工作人员"
        case "reviewer": "审核人员"
        case "admin": "管理员"
        default: role
        }
    }

    public func adminAbstract(_ command: AdminCommand) -> String {
        switch command {
        case .root: "Sunsync 同步服务器，默认使用内嵌的 SQLite 数据库。"
        case .serve: "提供同步服务，直到收到 SIGTERM 或 SIGINT（正在处理的请求先处理完）。"
        case .backup: "在服务器运行时把数据库复制到一个新文件。"
        case .restore: "用备份替换数据库（须先停止服务器）。"
        case .migrate: "建立数据库，或把它升级到这一版的结构（serve 启动时也会做）。"
        case .verify: "用写入设备的签名核对数据库里的每一条修改。"
        case .org: "登记机构（阳光基地、扶残涉农经济组织）。"
        case .orgAdd: "登记一个机构；有权看到它的笔记本下次同步时收到。"
        case .orgEdit: "修改机构名称，或自某日起的午餐补贴标准（保留历次标准）。"
        case .orgDeactivate: "撤销一个机构：保留在历史和报表中，不再显示在审核页面，不再接收新记录。"
        case .orgActivate: "重新开放已撤销的机构录入。"
        case .orgList: "列出机构。"
        case .device: "给笔记本发令牌、列出设备、允许显示完整证号、撤销丢失的设备。"
        case .deviceAdd: "添加一台设备，并显示一次它的令牌（服务器只保存其散列）。"
        case .deviceList: "列出设备（令牌不会再显示）。"
        case .deviceEdit: "允许或禁止一台设备显示完整的残疾人证号。"
        case .deviceRevoke: "撤销一台设备：它的下一个请求就被拒绝。它的记录保留。"
        case .reveals: "列出谁显示过完整的残疾人证号：谁的、何时、为何（最新的在前）。"
        case .recovery: "区里的恢复密钥：打开忘记口令的笔记本上的数据。"
        case .recoveryInit: "生成区里的恢复密钥；私钥写到 --out（请离线保管）。"
        case .recoveryOpen: "用恢复密钥打开笔记本的密钥文件：得到一个用一次性口令保护的新密钥文件。"
        case .tls: "区里自己服务器的 HTTPS：证书机构和证书。"
        case .tlsInit: "为笔记本使用的名称和地址生成区里的证书机构和服务器证书。"
        case .settings: "审核规则中带日期的数字：非全日制每周工时上限、退休年龄、午餐补贴标准（见 `org edit`）。"
        case .settingsShow: "列出现行设置及其生效日期。"
        case .settingsSet: "自某日起修改一项设置（之前的日期保持原值）。"
        }
    }

    public func adminDiscussion(_ command: AdminCommand) -> String {
        switch command {
        case .root:
            """
            用 `sunsync-server serve` 启动。用 `sunsync-server org add` 登记机构，用 `sunsync-server device add` 给每台笔记本一个自己的令牌；服务器运行时，这些命令可以对同一个 --data-dir 使用。提示信息默认为中文；--lang en 或 LANG=en_… 时为英文。
            """
        case .serve:
            """
            同时在 /review 提供区里的审核页面：审核人员在浏览器中用审核设备的令牌登录。只要服务到本机以外，就用 HTTPS（--tls-cert、--tls-key）：残疾人证号属于敏感个人信息。
            """
        case .backup:
            """
            备份是数据库某一时刻的完整副本，只有所有者可读。

            恢复：停止服务器，运行 `sunsync-server restore --from <文件>`，再启动。笔记本下次同步时发现数据库换过，会重新发送自己的修改（备份之后到达服务器的内容因此回来），并从头收取。备份之后添加或撤销的设备、改过的设置，需要再添加、撤销或设置一次。

            例：sunsync-server backup --to /backup/sunsync-$(date +%F).sqlite
            """
        case .restore:
            """
            先检查备份（是完好的 Sunsync 服务器数据库），再复制进来；被替换的数据库移到一旁，不会删除。笔记本下次同步时发现数据库换过，会重新发送自己的修改（备份之后到达服务器的内容因此回来），并从头收取。备份之后添加或撤销的设备、改过的设置（`sunsync-server settings show`、午餐补贴标准），需要再添加、撤销或设置一次。

            例：sunsync-server restore --from /backup/sunsync-2026-11-01.sqlite
            """
        case .migrate:
            """
            数据库结构只增不改；PostgreSQL 上几台服务器可以同时启动（一台升级，其余等待）。用 pg_dump 或时间点恢复还原 PostgreSQL 数据库之后，在任何服务器启动之前带 --new-epoch 运行一次：笔记本随后重新发送自己的修改并从头收取，备份之后到达服务器的内容不会丢失。（SQLite 数据文件由`sunsync-server restore` 完成这一步。）
            """
        case .verify:
            """
            每条修改都保存在写入设备签名（Ed25519，SPEC §9）的批次里；服务器为自己写的内容和启用签名之前保存的内容签名。在数据库里被手工改动、添加或删除的修改核对不通过，并在这里列出原因。有不通过的，退出状态为 1。服务器运行时也可以安全运行。
            """
        case .orgAdd:
            "例：sunsync-server org add --code MH-SB-001 --name 莘庄镇阳光基地 --kind sunshine-base --district 310112 --town 310112101 --lunch-rate 15"
        case .orgEdit:
            """
            sunsync-server org edit MH-SB-001 --lunch-rate 18 --from 2025-07-01
            2025-07-01 之前的午餐仍按之前的标准核对。
            """
        case .orgDeactivate:
            """
            sunsync-server org deactivate MH-SB-009
            它的笔记本下次同步时知道，并拒绝新的录入；服务器拒收在此之前录入的内容（保留在笔记本上，`sunsync rejected` 列出）。审核人员仍可审核它的记录。`sunsync-server org activate MH-SB-009` 重新开放。
            """
        case .deviceAdd:
            """
            sunsync-server device add --name 莘庄-笔记本1 --role staff --org MH-SB-001
            sunsync-server device add --name 闵行残联-审核1 --role reviewer --district 310112
            sunsync-server device add --name 管理员 --role admin
            审核人员的令牌既用于审核人员的笔记本（sunsync login），也用于审核页面（/review）。
            """
        case .deviceEdit:
            """
            sunsync-server device edit 莘庄-笔记本1 --may-reveal
            sunsync-server device edit 莘庄-笔记本1 --no-reveal
            笔记本下次同步（或登录）时知道。每次显示都须说明用途并留下记录（`sunsync-server reveals`）；允许期间离线显示的记录随下次同步到达。
            """
        case .reveals:
            """
            只有经 `sunsync-server device edit <名称> --may-reveal` 允许的设备才能显示；每次显示都说明用途，记录在笔记本上再同步上来（离线时的显示随下次同步到达）。时间是显示那台笔记本的时钟所记的北京时间。
            例：sunsync-server reveals --district 310112
            """
        case .recovery:
            """
            sunsync-server recovery init --out /media/usb/recovery.key      # 只做一次；文件离线保管
            sunsync-server recovery open --key /media/usb/recovery.key --keys store.keys --out store.keys.new
            """
        case .recoveryInit:
            """
            笔记本下次同步（或登录）时用公钥封存本机数据的密钥。带 --replace 时生成新密钥：笔记本下次同步时改用它；请保留旧文件，给之后还没同步过的笔记本用。
            """
        case .recoveryOpen:
            """
            从笔记本的数据文件夹（~/.local/share/sunsync，或它的 --home）复制 store.keys，在恢复密钥文件所在的机器上运行本命令，再把 --out 写出的文件复制回笔记本覆盖 store.keys。笔记本随后用这里显示的一次性口令打开；`sunsync passphrase` 设新口令。数据本身始终不离开笔记本。
            """
        case .tlsInit:
            """
            sunsync-server tls init --host sunsync.minhang.example --host 192.168.10.5
            在 --out（默认为数据文件夹的 tls/）写出 ca.pem（交给笔记本：sunsync login … --ca ca.pem）、ca.key（离线保管：它签发证书）、server.pem 和 server.key（serve --tls-cert server.pem --tls-key server.key）。私钥只有所有者可读；不覆盖任何文件。服务器证书有效 825 天，证书机构 10 年。
            """
        case .settings:
            """
            每个数字都有生效日期；笔记本下次同步时收到设置，并按它们给出提示。
              sunsync-server settings show
              sunsync-server settings set --weekly-limit 24 --from 2024-01-01
              sunsync-server settings set --female-retirement-base 55      （女干部：55 岁逐步提高到 58 岁）
            """
        case .org, .orgActivate, .orgList, .device, .deviceList, .deviceRevoke, .tls, .settingsShow, .settingsSet: ""
        }
    }

    public func adminHelp(_ help: AdminHelp) -> String {
        switch help {
        case .dataDir: "服务器保存 SQLite 数据库的文件夹（默认：$SUNSYNC_DATA_DIR，否则 /etc/default/sunsync-server 指定的，否则 ./sunsync-data）。"
        case .database: "改用 PostgreSQL：postgres://用户[:密码]@主机[:端口]/数据库（默认：$SUNSYNC_DATABASE）。几台服务器可以共用一个。"
        case .json: "输出 JSON，而不是文字。"
        case .lang: "提示信息的语言：zh（默认）或 en（也可用 LANG=en_… 选择）。"
        case .host: "监听的地址。"
        case .port: "监听的端口（0：任选一个空闲端口，启动时显示）。"
        case .maxClockSkew: "拒收时间比服务器时钟超前这么多秒以上的修改。"
        case .tlsCert: "用这个证书链（PEM）提供 HTTPS。"
        case .tlsKey: "证书的私钥（PEM）。"
        case .insecureHTTP: "仍用明文 HTTP 对本机以外提供服务（令牌和残疾人证号会明文经过网络）。"
        case .behindProxy: "这个地址上的 HTTPS 反向代理转发到本服务器：信任它的 X-Forwarded-For 和 X-Forwarded-Proto，cookie 标为 Secure。"
        case .idleTimeout: "连接这么多秒没有发送任何内容（或只发了半个请求）就关闭。"
        case .bodyTimeout: "请求内容在这么多秒内没有收全就拒绝（408）。"
        case .maxConnections: "同时打开的连接最多这么多；其余等待接受（保持在打开文件数限制以下）。"
        case .maxPerAddress: "来自同一地址的连接最多这么多；超出的立即关闭（0：不限；在反向代理后面请给 0）。"
        case .backupTo: "要写的新文件（不会覆盖）。"
        case .restoreFrom: "要恢复的备份。"
        case .newEpoch: "给数据库一个新纪元（PostgreSQL 还原之后）。"
        case .orgCode: "机构代码（A-Z、0-9、'-'）。"
        case .orgName: "名称。"
        case .orgKind: "sunshine-base（阳光基地）或 rural-org（扶残涉农经济组织）。"
        case .district: "6 位区代码，例如 310112（闵行）。"
        case .town: "9 位街镇代码。"
        case .lunchRate: "每天的午餐补贴，单位元。"
        case .lunchRateFrom, .rateFrom: "午餐补贴标准开始适用的日期。"
        case .confirmRate: "接受通常的每天 5 到 50 元以外的午餐补贴标准（可以是 0 到 100）。"
        case .newName: "新名称。"
        case .deviceName: "设备的名称（不可重复）。"
        case .role: "staff（工作人员，一个机构）、reviewer（审核人员，一个区）或 admin（管理员）。"
        case .deviceOrg: "工作人员设备为之录入的机构。"
        case .deviceDistrict: "审核人员审核的区。"
        case .mayReveal: "允许它显示完整的残疾人证号（sunsync --reveal --purpose …）；每次显示都有记录。默认不允许。"
        case .deviceRef: "设备的编号或名称。"
        case .revealPermission: "允许或禁止显示完整证号。"
        case .recoveryOut: "写私钥的新文件（不会覆盖）。"
        case .replace: "替换服务器现在发给笔记本的恢复密钥。"
        case .recoveryKey: "`recovery init` 写的恢复密钥文件。"
        case .laptopKeys: "笔记本的 store.keys。"
        case .keysOut: "要写的新密钥文件（不会覆盖）。"
        case .tlsHost: "笔记本连接服务器用的名称或 IP 地址（有几个就重复几次）。"
        case .tlsOut: "写文件的文件夹（默认：<数据文件夹>/tls）。"
        case .caName: "证书机构的名称，例如 闵行区残联（默认：Sunsync district CA）。"
        case .onlyDistrict: "只看这个区的机构。"
        case .onlyOrg: "只看这个机构。"
        case .weeklyLimit: "非全日制用工在同一用人单位每周的小时数（劳动合同法 第六十八条：24）。"
        case .weeklyFrom: "每周上限开始适用的日期（一周从星期一算起）。"
        case .minimumAge: "低于这个年龄的工作会被提示。"
        case .femaleBase: "女性提高前的法定退休年龄：50（工人，逐步提高到 55）或 55（干部，逐步提高到 58）。"
        }
    }
}
