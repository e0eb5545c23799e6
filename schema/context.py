"""What every resolver of one request shares: the request and its loaders."""

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from schema.loaders import Loaders


@dataclass
class Context:
    request: Request
    response: Response
    loaders: Loaders = field(default_factory=Loaders)


Info = StrawberryInfo[Context, None]
