"""Type aliases of the public model API (as mmdet's ``mmdet.utils.typing_utils``)."""
from typing import List, Optional, Union

from mmengine.config import ConfigDict

#: A module config: ``dict(type=..., ...)``.
ConfigType = Union[ConfigDict, dict]
OptConfigType = Optional[ConfigType]
#: An ``init_cfg``: one config or a list of them.
MultiConfig = Union[ConfigType, List[ConfigType]]
OptMultiConfig = Optional[MultiConfig]
