"""The emulated WeCom REST API under /cgi-bin: the gateway, the route table and one module per API family."""
