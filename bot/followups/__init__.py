"""Follow-ups: customer stages (客户阶段), follow-up records (跟进记录), their reminders (sent as WeCom app
messages by a scheduled job), the sidebar's customer card, and those tables."""
