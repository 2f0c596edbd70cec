"""Search engines behind one interface (base.BaseSearchBackend); settings choose one."""
