"""The HTTP front door: FastAPI app factory, routes, schemas, error mapping."""
