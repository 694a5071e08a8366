"""Pelican settings for the Wenzheng site: Pelican hosts the build, publisher.pelican_plugin
writes every file. Pelican's own articles, pages, feeds and static copies are switched off so
the output folder holds only what the publisher owns (the incremental publisher writes the same
files). The store is chosen by WENZHENG_DATA (a folder holding wenzheng.sqlite3)."""

import os

SITENAME = "问政·江城市"
SITEURL = ""
PATH = "../content"
OUTPUT_PATH = "../output"
THEME = "theme"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh-CN"

PLUGINS = ["publisher.pelican_plugin"]
WENZHENG_DATA = os.environ.get("WENZHENG_DATA")

# Nothing of Pelican's own: the notices in content/notices are rendered by our renderer.
ARTICLE_PATHS: list = []
PAGE_PATHS: list = []
STATIC_PATHS: list = []
THEME_STATIC_PATHS: list = []          # the renderer copies theme/static to /theme/
DIRECT_TEMPLATES: list = []
PAGINATED_TEMPLATES: dict = {}
ARTICLE_SAVE_AS = ""
PAGE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
FEED_ATOM = None
FEED_RSS = None
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
OUTPUT_SOURCES = False
TEMPLATE_PAGES: dict = {}

DELETE_OUTPUT_DIRECTORY = False
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
RELATIVE_URLS = False
