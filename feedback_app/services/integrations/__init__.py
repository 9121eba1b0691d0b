"""Other systems: the native API's queries and writes, the Delighted adapter, webhooks, chat alerts."""
