"""Read the built site's HTML as a reader's browser would: code blocks as text, resources loaded."""

from html.parser import HTMLParser

# Attributes through which a page makes the browser fetch something.
LOADING = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
           "video": "src", "embed": "src", "object": "data", "link": "href"}


class _Blocks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.blocks, self.loads = [], []
        self._title = None
        self._in_title = self._in_code = False
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in LOADING and attrs.get(LOADING[tag]):
            if tag != "link" or set(attrs.get("rel", "").split()) & {
                    "stylesheet", "preload", "icon", "modulepreload", "manifest", "prefetch"}:
                self.loads.append(attrs[LOADING[tag]])
        if tag == "span" and "filename" in attrs.get("class", "").split():
            self._in_title, self._title = True, ""
        elif tag == "code" and not self._in_code:
            self._in_code, self._text = True, []

    def handle_endtag(self, tag):
        if tag == "span" and self._in_title:
            self._in_title = False
        elif tag == "code" and self._in_code:
            self._in_code = False
            self.blocks.append((self._title, "".join(self._text)))
            self._title = None

    def handle_data(self, data):
        if self._in_title:
            self._title += data
        elif self._in_code:
            self._text.append(data)


def read(html: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(html)
    return parser


def code_blocks(html: str) -> list[tuple]:
    """(title or None, text) for each code element, inline code included."""
    return read(html).blocks


def loaded_urls(html: str) -> list[str]:
    return read(html).loads
