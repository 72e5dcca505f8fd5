from imgorigin.cli import main

raise SystemExit(main())
