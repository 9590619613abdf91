"""The core: in/out message types, ports, context, commands, the Feature record, dispatch and
the outbox sender. It imports no feature; features plug in through ``Feature``."""
