"""Client SDKs for the systems around omniroute: ``FrontEndClient`` for telephony,
IVR, chat and web front ends; ``AgentDesktop`` for agent desktops;
``DepartmentClient`` for departments that ask before contacting a customer. They import only
the contract (``omniroute.schemas``) and the Kafka client (kafka-python).
"""

from ._client import ClientSession, ContractProducer, KeyedReader, partition_for
from ._department import DepartmentClient
from ._desktop import AgentDesktop
from ._frontend import FrontEndClient

__all__ = [
    "AgentDesktop",
    "ClientSession",
    "ContractProducer",
    "DepartmentClient",
    "FrontEndClient",
    "KeyedReader",
    "partition_for",
]
