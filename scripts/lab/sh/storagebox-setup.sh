#!/usr/bin/env bash
# Runs inside the lab's Storage Box stand-in container: turns its sshd into what a Hetzner
# Storage Box offers on port 23 — SFTP only, one chrooted home per subaccount, password login
# for the first key upload (ssh-copy-id -s), keys from the home's .ssh/authorized_keys after.
# Reads "USERNAME PASSWORD" lines on stdin (passwords never on a command line). Idempotent.
set -euo pipefail
base=/srv/storagebox
group=storagebox
getent group "$group" >/dev/null || groupadd --system "$group"
mkdir -p "$base"
chmod 0755 "$base"

accounts=0
while read -r user password; do
  [[ -n "$user" ]] || continue
  accounts=$((accounts + 1))
  home="$base/$user"
  id "$user" >/dev/null 2>&1 || useradd --no-create-home --home-dir / --shell /usr/sbin/nologin --gid "$group" "$user"
  printf '%s:%s\n' "$user" "$password" | chpasswd
  # sshd's chroot must be root's; what the subaccount sees at / is writable below it.
  mkdir -p "$home"
  chown root:root "$home"
  chmod 0755 "$home"
  for dir in .ssh restic media-mirror; do
    mkdir -p "$home/$dir"
    chown "$user:$group" "$home/$dir"
  done
  chmod 0700 "$home/.ssh"
done

cat >/etc/ssh/sshd_config.d/10-storagebox.conf <<CONF
# Lab stand-in for a Hetzner Storage Box: SFTP on port 23 only.
Port 23
PermitRootLogin no
Match Group $group
  ChrootDirectory $base/%u
  AuthorizedKeysFile $base/%u/.ssh/authorized_keys
  ForceCommand internal-sftp
  PasswordAuthentication yes
  AllowTcpForwarding no
  X11Forwarding no
CONF
sshd -t
systemctl restart ssh.service
echo "storagebox: $accounts subaccount(s) on port 23"
