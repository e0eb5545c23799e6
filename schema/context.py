"""What every resolver of one request shares: the request and its loaders."""

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from schema.loaders import Loaders
from server.permissions import Actor


@dataclass
class Context:
    request: Request
    response: Response
    actor: Actor
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.actor)


Info = StrawberryInfo[Context, None]
