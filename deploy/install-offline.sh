#!/usr/bin/env bash
# 执监离线安装：在解压后的 zhijian-offline 目录中运行（该目录由 `make dist` 生成）。
#
#   ./install-offline.sh            # 在 ./venv 创建虚拟环境并安装
#   ./install-offline.sh /opt/zhijian/venv
#   PYTHON=/usr/local/bin/python3.12 ./install-offline.sh
#
# Installs only from the bundled wheels (pip --no-index): no network access is needed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3.12}"
venv="${1:-$here/venv}"

for item in requirements.txt wheels static; do
  if [ ! -e "$here/$item" ]; then
    echo "缺少 $here/$item：请在解压后的离线安装包目录中运行本脚本。" >&2
    exit 1
  fi
done

if ! command -v "$python" >/dev/null 2>&1; then
  echo "未找到 $python。请先安装 Python 3.12，或用 PYTHON=/path/to/python3.12 指定解释器。" >&2
  exit 1
fi

# Binary wheels (psycopg-binary, rpds-py, PyYAML …) only install on the Python version that built
# the bundle; read it from the wheel tags (cp312 → 3.12) and refuse a mismatch with a clear message.
have="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
want="$(ls "$here/wheels" | sed -n 's/.*-cp3\([0-9][0-9]*\)-cp3[0-9]*-.*/3.\1/p' | sort -u | sed -n 1p)"
want="${want:-3.12}"
if [ "$have" != "$want" ]; then
  echo "离线包中的 wheel 为 Python $want 构建，而 $python 的版本是 $have。" >&2
  echo "请安装 Python $want，或用 PYTHON=... 指定对应版本的解释器。" >&2
  exit 1
fi

echo "创建虚拟环境：$venv"
"$python" -m venv "$venv"
echo "安装依赖（仅使用离线包中的 wheel）……"
"$venv/bin/pip" install -q --no-index --find-links "$here/wheels" -r "$here/requirements.txt"
"$venv/bin/pip" install -q --no-index --find-links "$here/wheels" --no-deps zhijian

cat <<NEXT

执监安装完成：$venv/bin/zhijian

下一步：
1. 设置环境变量（建议写入 systemd 服务的 EnvironmentFile，例如 /etc/zhijian.env）：
   # 数据库；不设置则使用数据目录下的 SQLite 文件
   export DATABASE_URL=postgres://zhijian@127.0.0.1:5432/zhijian
   # 随机长字符串，可用 $python -c 'import secrets; print(secrets.token_urlsafe(50))' 生成
   export ZHIJIAN_SECRET_KEY='……'
   # 数据目录（审计检查点文件等），不要放在虚拟环境里
   export ZHIJIAN_DATA_DIR=/var/lib/zhijian
   # 离线包中已收集好的静态文件
   export ZHIJIAN_STATIC_ROOT="$here/static"
   # 用户访问本系统使用的域名或 IP，逗号分隔
   export ZHIJIAN_ALLOWED_HOSTS=zhijian.example.cn
   经反向代理（nginx）访问时还需设置 ZHIJIAN_TRUSTED_PROXIES 和 ZHIJIAN_SECURE_COOKIES，详见源代码中的 README.md（配置、生产部署）。

2. 建库并初始化：
   $venv/bin/zhijian migrate
   $venv/bin/zhijian init-courts
   $venv/bin/zhijian createsuperuser

3. 检查配置并启动（默认监听 127.0.0.1:8000，可用 ZHIJIAN_HOST / ZHIJIAN_PORT / ZHIJIAN_WORKERS 调整）：
   $venv/bin/zhijian check --deploy
   $venv/bin/zhijian serve --no-collectstatic

4. 定期备份数据库和审计检查点文件（默认 \$ZHIJIAN_DATA_DIR/audit-checkpoints.log），
   并用 $venv/bin/zhijian verify-audit 校验审计日志。
NEXT
