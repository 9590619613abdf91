"""The cast every test uses: who they are and where they talk."""

from __future__ import annotations

from handlers.core.model import Chat, ChatType, User

ADMIN = User(1001, "总会小王", username="zonghui_wang")
LUZHOU_COORD = User(1002, "李会长", username="li_luzhou")
STAFF = User(1003, "张社工", username="zhang_sg")
STRANGER = User(1004, "陈志愿")

LUZHOU_GROUP = Chat(-4001, ChatType.GROUP, "泸州慈善交流群")
LIANGSHAN_GROUP = Chat(-1004002, ChatType.SUPERGROUP, "凉山沟通群")


def private(user: User) -> Chat:
    return Chat(user.id, ChatType.PRIVATE, user.first_name)
