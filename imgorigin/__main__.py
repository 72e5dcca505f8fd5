from imgorigin.cli.main import main

raise SystemExit(main())
