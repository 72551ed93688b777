"""`python -m cfnlint_eks_sg`: the same as the `cfn-lint-eks-sg` command."""

from cfnlint_eks_sg.cli._main import main

raise SystemExit(main())
