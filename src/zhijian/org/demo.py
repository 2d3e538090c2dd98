from zhijian.core.demo import demo_loader

from .loaders import load_default_courts, load_demo_users


@demo_loader(10, "法院")
def courts() -> list[str]:
    return load_default_courts()


@demo_loader(20, "演示账号")
def users() -> list[tuple[str, str, str, str]]:
    return load_demo_users()
