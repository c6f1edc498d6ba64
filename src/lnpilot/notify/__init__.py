"""Notifications: Telegram, webhooks, email."""
