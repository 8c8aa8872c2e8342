// GET|POST /ajax-api/2.0/mlflow/*: the same MLflow API under the prefix MLflow's web UI calls.
import { handleMlflow } from '@/app/lib/mlflow-rest';

export const dynamic = 'force-dynamic';

export { handleMlflow as GET, handleMlflow as POST, handleMlflow as PATCH, handleMlflow as DELETE };
