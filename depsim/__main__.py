from depsim.cli import main

raise SystemExit(main())
