# Sourced by umbrelOS for apps that depend on lnpilot. lnpilot itself reads the lightning app's
# exports (APP_LIGHTNING_NODE_IP, APP_LIGHTNING_NODE_REST_PORT, APP_LIGHTNING_NODE_DATA_DIR).
export APP_LNPILOT_API_HOST="lnpilot_web_1"
export APP_LNPILOT_API_PORT="8000"
