#!/bin/sh
# SSH_ASKPASS helper for the one-time key upload to the Storage Box: prints the
# subaccount password from the environment (never from a file or the command line).
printf '%s\n' "${STORAGEBOX_PASSWORD:?}"
